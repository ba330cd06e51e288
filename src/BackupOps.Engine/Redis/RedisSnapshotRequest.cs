using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Redis;

/// <summary>How the RDB file is obtained.</summary>
public enum RdbTransfer
{
    /// <summary>The server's own file when the server is on this host, else replication.</summary>
    Auto,
    /// <summary>Read the server's dir/dbfilename directly.</summary>
    ServerFile,
    /// <summary>Pull it over the replication protocol (redis-cli --rdb).</summary>
    Replication,
}

/// <summary>What to snapshot and how.</summary>
public sealed record RedisSnapshotRequest
{
    /// <summary>The server.</summary>
    public required RedisConnectionSettings Connection { get; init; }

    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 options; null reads the environment.</summary>
    public Stores.S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings; null reads BACKUPOPS_ENVIRONMENT / BACKUPOPS_WEBHOOK_URL.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>Folder name in the store (default host-port).</summary>
    public string? SourceName { get; init; }

    /// <summary>Use the latest save instead of triggering BGSAVE.</summary>
    public bool NoSave { get; init; }

    /// <summary>Logical export (SCAN + DUMP + PTTL) instead of an RDB: for managed Redis without BGSAVE/SYNC.</summary>
    public bool Logical { get; init; }

    /// <summary>How to obtain the RDB.</summary>
    public RdbTransfer Transfer { get; init; } = RdbTransfer.Auto;

    /// <summary>How long to wait for BGSAVE.</summary>
    public TimeSpan SaveTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Folder for a replicated RDB (default BACKUPOPS_TEMP or the system temp).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>The source name used in the store.</summary>
    public string EffectiveSourceName => string.IsNullOrWhiteSpace(SourceName) ? Connection.DefaultSourceName : SourceName;

    /// <summary>
    /// Private key file (PEM, mode 0600) to sign the manifest with; null reads BACKUPOPS_SIGNING_KEY, and without
    /// either the snapshot is unsigned. A path, never the key itself.
    /// </summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        if (SaveTimeout <= TimeSpan.Zero)
        {
            throw BackupOpsException.InvalidInput("RedisSaveTimeoutInvalid", $"A save timeout of {SaveTimeout} cannot be waited for; use a positive duration (default 10 minutes).");
        }

        if (Logical && (NoSave || Transfer != RdbTransfer.Auto))
        {
            throw BackupOpsException.InvalidInput("RedisLogicalOptions", "A logical export reads keys directly: -NoSave and -Transfer apply to RDB snapshots only.");
        }
    }
}
