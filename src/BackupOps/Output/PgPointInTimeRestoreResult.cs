namespace BackupOps;

/// <summary>What Restore-PgBaseBackup recovered: the moment actually reached, each step's time, and what validation found.</summary>
public sealed class PgPointInTimeRestoreResult
{
    /// <summary>The store.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The cluster.</summary>
    public string Cluster { get; init; } = string.Empty;

    /// <summary>The base backup recovered from.</summary>
    public string BaseBackupId { get; init; } = string.Empty;

    /// <summary>The target as asked: latest, or the time in UTC.</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>The timeline recovered along.</summary>
    public long Timeline { get; init; }

    /// <summary>Commit time of the last transaction replayed (UTC): the moment actually recovered to; null when none after the base backup was replayed.</summary>
    public DateTime? RecoveredToUtc { get; init; }

    /// <summary>WAL segments the recovery needed.</summary>
    public int WalSegments { get; init; }

    /// <summary>The recovered data directory (with -DataDirectory or -KeepRunning; null when the disposable server was removed).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>postgresql://user@127.0.0.1:port/db of the server -KeepRunning left up.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The command that stops the server -KeepRunning left up.</summary>
    public string? StopCommand { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Each step with its duration.</summary>
    public PgRecoveryStep[] Steps { get; init; } = [];

    /// <summary>Every check and its outcome.</summary>
    public BackupCheck[] Checks { get; init; } = [];
}
