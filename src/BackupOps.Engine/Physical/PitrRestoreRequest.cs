using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Physical;

/// <summary>A point-in-time recovery: which cluster, to when, and where.</summary>
public sealed record PitrRestoreRequest
{
    /// <summary>The cluster name the base backups and WAL are filed under.</summary>
    public required string Cluster { get; init; }

    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 settings; null reads the AWS_* variables.</summary>
    public S3StoreOptions? S3 { get; init; }

    /// <summary>Recover to this time (recovery_target_time); null with <see cref="Latest"/> for the end of the archive.</summary>
    public DateTimeOffset? TargetTime { get; init; }

    /// <summary>Recover to the last archived WAL.</summary>
    public bool Latest { get; init; }

    /// <summary>A specific base backup; null picks the newest that ends before the target.</summary>
    public string? BaseBackupId { get; init; }

    /// <summary>Recover into this folder and leave it for the operator to run; null for a disposable server.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Replace a non-empty <see cref="DataDirectory"/>.</summary>
    public bool Force { get; init; }

    /// <summary>Leave the recovered server running (its endpoint is in the result).</summary>
    public bool KeepRunning { get; init; }

    /// <summary>Database the validation queries run in.</summary>
    public string Database { get; init; } = "postgres";

    /// <summary>Tables whose row count is reported.</summary>
    public IReadOnlyList<string> CriticalTables { get; init; } = [];

    /// <summary>Smoke queries with expectations.</summary>
    public IReadOnlyList<SmokeQuery> SmokeQueries { get; init; } = [];

    /// <summary>age identity file for encrypted backups and WAL.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Folder for the disposable server; null for BACKUPOPS_TEMP or the system temp folder.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>How the recovered server runs <c>wal fetch</c>: the program and its leading arguments (the CLI sets itself).</summary>
    public IReadOnlyList<string> FetchCommand { get; init; } = DefaultFetchCommand();

    /// <summary>How long recovery may take.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Run record settings.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>
    /// Public key files (PEM) whose signature the base backup's manifest must carry; several for key rotation. Null
    /// reads BACKUPOPS_TRUSTED_KEYS; with neither, signatures are reported but not required. WAL is not signed.
    /// </summary>
    public IReadOnlyList<string>? TrustedKeyFiles { get; init; }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        Wal.ClusterName.Validate(Cluster);
        if (TargetTime is null == !Latest)
        {
            throw BackupOpsException.InvalidInput("PitrTargetInvalid", "Give exactly one recovery target: -PointInTime / --to-time '2026-12-01 10:15:00+00' or -Latest / --to-latest.");
        }

        if (KeepRunning && DataDirectory is not null)
        {
            throw BackupOpsException.InvalidInput("PitrModeInvalid", "-KeepRunning / --keep-running starts a server BackupOps manages; -DataDirectory / --data-directory prepares a folder you run yourself. Choose one.");
        }

        if (FetchCommand.Count == 0)
        {
            throw BackupOpsException.InvalidInput("BackupOpsCliMissing", "Point-in-time recovery needs the backupops CLI for restore_command. Set BACKUPOPS_CLI to its path (for example /opt/backupops/backupops).");
        }
    }

    private static IReadOnlyList<string> DefaultFetchCommand() =>
        Environment.GetEnvironmentVariable("BACKUPOPS_CLI") is { Length: > 0 } cli ? [cli] : [];
}

/// <summary>One timed step of a recovery.</summary>
/// <param name="Name">What was done.</param>
/// <param name="Seconds">How long it took.</param>
/// <param name="Detail">What came of it.</param>
public sealed record PitrStep(string Name, double Seconds, string Detail);

/// <summary>What a point-in-time recovery did.</summary>
public sealed record PitrRestoreResult
{
    /// <summary>The cluster.</summary>
    public required string Cluster { get; init; }

    /// <summary>The base backup used.</summary>
    public required string BaseBackupId { get; init; }

    /// <summary>The target as asked (<c>latest</c> or the time).</summary>
    public required string Target { get; init; }

    /// <summary>The timeline recovered along.</summary>
    public required uint Timeline { get; init; }

    /// <summary>The commit time of the last transaction replayed: the moment actually recovered to.</summary>
    public DateTimeOffset? RecoveredToUtc { get; init; }

    /// <summary>WAL segments the recovery needed.</summary>
    public int WalSegments { get; init; }

    /// <summary>The recovered data directory (kept with --data-directory or --keep-running).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>postgresql://user@127.0.0.1:port/db of a server left running.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The command that stops a server left running.</summary>
    public string? StopCommand { get; init; }

    /// <summary>Each step with its duration.</summary>
    public required IReadOnlyList<PitrStep> Steps { get; init; }

    /// <summary>Validation checks.</summary>
    public required IReadOnlyList<RestoreCheck> Checks { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded => Checks.All(c => c.Outcome != CheckOutcome.Failed);
}
