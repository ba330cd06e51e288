using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Physical;

/// <summary>What base backup to take.</summary>
public sealed record BaseBackupRequest
{
    /// <summary>The server (a replication connection: the user needs the REPLICATION attribute and a pg_hba 'replication' line).</summary>
    public required PgConnectionSettings Connection { get; init; }

    /// <summary>The cluster name; null for <c>&lt;host&gt;-&lt;port&gt;</c>.</summary>
    public string? Cluster { get; init; }

    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 settings; null reads the AWS_* variables.</summary>
    public S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>zstd level 1-19, or 0 for no compression.</summary>
    public int CompressionLevel { get; init; } = 1;

    /// <summary>age public recipients.</summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>An immediate (fast) checkpoint at the start instead of a spread one.</summary>
    public bool FastCheckpoint { get; init; } = true;

    /// <summary>How long to wait for the WAL the backup needs to reach the archive.</summary>
    public TimeSpan WalTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The cluster name this request files under.</summary>
    public string ClusterName => Cluster ?? Wal.ClusterName.Default(Connection.Host, Connection.Port);

    /// <summary>
    /// Private key file (PEM, mode 0600) to sign the manifest with; null reads BACKUPOPS_SIGNING_KEY, and without
    /// either the base backup is unsigned. A path, never the key itself.
    /// </summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        Wal.ClusterName.Validate(ClusterName);
        if (CompressionLevel is < 0 or > 19)
        {
            throw BackupOpsException.InvalidInput("CompressionLevelInvalid", $"The zstd level {CompressionLevel} is out of range. Use 0 (none) or 1 (fastest, the default) to 19.");
        }

        new Backup.PgBackupRequest { Connection = Connection, AgeRecipients = AgeRecipients }.Validate();
    }
}
