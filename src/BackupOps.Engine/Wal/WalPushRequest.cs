using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>Where and how <c>wal push</c> archives.</summary>
public sealed record WalPushOptions
{
    /// <summary>The cluster name.</summary>
    public required string Cluster { get; init; }

    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 settings; null reads the AWS_* variables.</summary>
    public S3StoreOptions? S3 { get; init; }

    /// <summary>zstd (default) or none.</summary>
    public WalCodec Codec { get; init; } = WalCodec.Zstd;

    /// <summary>age public recipients; empty for none.</summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>The async spool folder; null pushes synchronously.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>Parallel uploads of the async worker.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Async: refuse new WAL (PostgreSQL keeps it and retries) when the spool holds more than this many bytes.</summary>
    public long SpoolMaxBytes { get; init; } = 4L << 30;

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        ClusterName.Validate(Cluster);
        if (Parallel is < 1 or > 32)
        {
            throw BackupOpsException.InvalidInput("WalParallelInvalid", $"--parallel {Parallel} is out of range. Use 1 to 32 parallel uploads (default 4).");
        }

        new Backup.PgBackupRequest { Connection = new Connection.PgConnectionSettings(), AgeRecipients = AgeRecipients }.Validate();
    }
}

/// <summary>What one push did.</summary>
/// <param name="Name">The WAL file.</param>
/// <param name="Outcome">archived, already-archived, spooled.</param>
/// <param name="Key">The object key (null when only spooled).</param>
/// <param name="OriginalBytes">Size of the WAL file.</param>
/// <param name="StoredBytes">Size of the object.</param>
/// <param name="Timings">Where the time went, in milliseconds, step by step.</param>
public sealed record WalPushResult(string Name, string Outcome, string? Key, long OriginalBytes, long StoredBytes, IReadOnlyDictionary<string, double> Timings);
