using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Backup;

/// <summary>What to back up and how.</summary>
public sealed record PgBackupRequest
{
    /// <summary>
    /// Default compression level: 1, for either codec. zstd level 1 outside pg_dump is both faster and smaller than
    /// pg_dump's own level 1 on the benchmark dataset (docs/benchmark.md); a shorter backup window matters more for
    /// the 15-minute RPO than a few percent of object storage. Pass higher levels where storage is the constraint.
    /// </summary>
    public const int DefaultCompressionLevel = 1;

    /// <summary>The default codec: zstd in BackupOps' stream, pg_dump writing uncompressed.</summary>
    public const DumpCodec DefaultCodec = DumpCodec.Zstd;

    /// <summary>The source database.</summary>
    public required PgConnectionSettings Connection { get; init; }

    /// <summary>Store spec (folder or s3://bucket/prefix); null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 endpoint and credentials; null reads the AWS_* environment variables.</summary>
    public Stores.S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings; null reads BACKUPOPS_ENVIRONMENT / BACKUPOPS_WEBHOOK_URL.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>Where the dump is compressed: zstd in the stream (default) or pg_dump's own zlib.</summary>
    public DumpCodec Codec { get; init; } = DefaultCodec;

    /// <summary>The codec's level: zstd 1-19, pg_dump 1-9; 0 stores the archive uncompressed with either codec.</summary>
    public int CompressionLevel { get; init; } = DefaultCompressionLevel;

    /// <summary>True when BackupOps compresses the stream itself (zstd at a level above 0).</summary>
    public bool CompressesInStream => Codec == DumpCodec.Zstd && CompressionLevel > 0;

    /// <summary>pg_dump --no-owner.</summary>
    public bool NoOwner { get; init; }

    /// <summary>pg_dump --no-privileges.</summary>
    public bool NoPrivileges { get; init; }

    /// <summary>pg_dump --table patterns.</summary>
    public IReadOnlyList<string> IncludeTables { get; init; } = [];

    /// <summary>pg_dump --exclude-table patterns.</summary>
    public IReadOnlyList<string> ExcludeTables { get; init; } = [];

    /// <summary>Tables whose exact row count is recorded in the manifest (restores compare against it).</summary>
    public IReadOnlyList<string> CriticalTables { get; init; } = [];

    /// <summary>age public recipients (<c>age1...</c>); empty for no client-side encryption.</summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>
    /// Private key file (PEM, mode 0600) to sign the manifest with; null reads BACKUPOPS_SIGNING_KEY, and without
    /// either the backup is unsigned. A path, never the key itself.
    /// </summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>
    /// The request with the database to dump resolved: the connection's, else PGDATABASE (reported through
    /// <see cref="Reporting"/>'s warning, so the output says which database was chosen), else refused.
    /// </summary>
    public PgBackupRequest WithSourceDatabase(out bool fromPgDatabase)
    {
        var (settings, fromEnvironment) = Connection.ForDump();
        fromPgDatabase = fromEnvironment;
        return fromEnvironment ? this with { Connection = settings } : this;
    }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        var maximum = DumpCodecs.MaximumLevel(Codec);
        if (CompressionLevel < 0 || CompressionLevel > maximum)
        {
            throw BackupOpsException.InvalidInput("CompressionLevelInvalid", $"The compression level {CompressionLevel} is out of range for {(Codec == DumpCodec.Zstd ? "zstd" : "pg_dump")}. Use 0 (none) to {maximum} (smallest); the default is {DefaultCompressionLevel}.");
        }

        foreach (var recipient in AgeRecipients)
        {
            if (recipient.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
            {
                throw BackupOpsException.InvalidInput("AgeRecipientIsSecret", "An age secret key was given where a public recipient belongs. Pass the public key (age1..., from 'age-keygen -y identity.txt'), keep the identity file for restores, and rotate the key if it was exposed.");
            }

            if (!recipient.StartsWith("age1", StringComparison.Ordinal) && !recipient.StartsWith("ssh-", StringComparison.Ordinal))
            {
                throw BackupOpsException.InvalidInput("AgeRecipientInvalid", $"'{Shorten(recipient)}' is not an age public recipient. Give the public key (age1..., from 'age-keygen -y identity.txt'), never the identity file's secret key.");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 12 ? text : text[..12] + "...";
}
