using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Redis;

/// <summary>Where a Redis snapshot is restored.</summary>
public enum RedisRestoreMode
{
    /// <summary>A new redis-server in a temporary dir on a free port (the drill's default).</summary>
    Sandbox,
    /// <summary>Replace a local server's data: SHUTDOWN NOSAVE, swap the RDB, restart with the same config (RDB snapshots).</summary>
    ReplaceLocal,
    /// <summary>RESTORE every key into a running server (logical snapshots; any Redis, managed ones included).</summary>
    IntoServer,
}

/// <summary>What to restore, where, and how to validate it.</summary>
public sealed record RedisRestoreRequest
{
    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 options; null reads the environment.</summary>
    public Stores.S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings; null reads BACKUPOPS_ENVIRONMENT / BACKUPOPS_WEBHOOK_URL.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>The snapshot id (from a listing).</summary>
    public string? SnapshotId { get; init; }

    /// <summary>Source name: restricts the id lookup; with <see cref="Latest"/>, whose newest snapshot to use.</summary>
    public string? SourceName { get; init; }

    /// <summary>Restore the newest valid snapshot of <see cref="SourceName"/>.</summary>
    public bool Latest { get; init; }

    /// <summary>Where to restore.</summary>
    public RedisRestoreMode Mode { get; init; } = RedisRestoreMode.Sandbox;

    /// <summary>The server to replace or restore into (ReplaceLocal, IntoServer).</summary>
    public RedisConnectionSettings? Target { get; init; }

    /// <summary>Leave the sandbox running and report its endpoint.</summary>
    public bool KeepRunning { get; init; }

    /// <summary>IntoServer: overwrite keys that exist (RESTORE ... REPLACE).</summary>
    public bool Replace { get; init; }

    /// <summary>Keys that must exist after the restore.</summary>
    public IReadOnlyList<string> ExpectKeys { get; init; } = [];

    /// <summary>Queue (list or stream) lengths that must hold.</summary>
    public IReadOnlyList<QueueBound> Queues { get; init; } = [];

    /// <summary>Database the key and queue checks apply to.</summary>
    public int Database { get; init; }

    /// <summary>Folder for downloads and sandboxes.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>
    /// Public key files (PEM) whose signature the snapshot must carry; several for key rotation. Null reads
    /// BACKUPOPS_TRUSTED_KEYS; with neither, signatures are reported but not required.
    /// </summary>
    public IReadOnlyList<string>? TrustedKeyFiles { get; init; }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SnapshotId) == !Latest)
        {
            throw BackupOpsException.InvalidInput("RedisRestoreSourceInvalid", "Give exactly one of a snapshot id (-SnapshotId / --snapshot-id, or pipe Get-RedisSnapshot) and -Latest / --latest.");
        }

        if (Latest && string.IsNullOrWhiteSpace(SourceName))
        {
            throw BackupOpsException.InvalidInput("RedisRestoreSourceMissing", "-Latest / --latest needs the source name (-Source / --source) whose newest snapshot to restore.");
        }

        if (Mode != RedisRestoreMode.Sandbox && Target is null)
        {
            throw BackupOpsException.InvalidInput("RedisRestoreTargetMissing", $"{Mode} needs the target server (-Target / --target redis://host:port).");
        }

        if (Mode == RedisRestoreMode.ReplaceLocal && Target is { IsLocal: false })
        {
            throw BackupOpsException.InvalidInput("RedisRestoreTargetNotLocal", $"Replacing a server's data swaps its RDB file, so the server must run on this host; {Target.Display} does not. Restore into a sandbox, or run BackupOps on that host.");
        }

        if (Database is < 0 or > 15)
        {
            throw BackupOpsException.InvalidInput("RedisDatabaseInvalid", $"Database {Database} is out of range; Redis has databases 0-15 by default.");
        }
    }
}

/// <summary>What a Redis restore did and found.</summary>
public sealed record RedisRestoreResult
{
    /// <summary>The snapshot restored.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>Its source name.</summary>
    public required string Source { get; init; }

    /// <summary>Where it was restored.</summary>
    public required RedisRestoreMode Mode { get; init; }

    /// <summary>host:port of the server holding the restored data (still running only for KeepRunning or ReplaceLocal/IntoServer).</summary>
    public required string Endpoint { get; init; }

    /// <summary>True when a sandbox was left running.</summary>
    public bool KeptRunning { get; init; }

    /// <summary>The kept sandbox's folder (data, redis.log, redis.pid); remove it after stopping the server.</summary>
    public string? SandboxDirectory { get; init; }

    /// <summary>The kept sandbox's password file (0600): its password is never printed.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>Fetch and verification time.</summary>
    public TimeSpan DownloadDuration { get; init; }

    /// <summary>Load or import time.</summary>
    public TimeSpan RestoreDuration { get; init; }

    /// <summary>Every check and its outcome.</summary>
    public required IReadOnlyList<Restore.RestoreCheck> Checks { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded => Checks.All(c => c.Outcome != Restore.CheckOutcome.Failed);
}
