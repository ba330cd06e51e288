namespace BackupOps;

/// <summary>What Restore-RedisSnapshot did and what validation found.</summary>
public sealed class RedisRestoreResult
{
    /// <summary>The snapshot restored.</summary>
    public string SnapshotId { get; init; } = string.Empty;

    /// <summary>Its source name.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Sandbox, ReplaceLocal or IntoServer.</summary>
    public string Mode { get; init; } = string.Empty;

    /// <summary>host:port of the server holding the restored data.</summary>
    public string Endpoint { get; init; } = string.Empty;

    /// <summary>True when a sandbox was left running (-KeepRunning).</summary>
    public bool KeptRunning { get; init; }

    /// <summary>The kept sandbox's folder (data and log); remove it after stopping the server.</summary>
    public string? SandboxDirectory { get; init; }

    /// <summary>The kept sandbox's password file (mode 0600; the sandbox requires a password, and it is never printed).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>Fetch and verification time.</summary>
    public TimeSpan DownloadDuration { get; init; }

    /// <summary>Load or import time.</summary>
    public TimeSpan RestoreDuration { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Every check and its outcome.</summary>
    public BackupCheck[] Checks { get; init; } = [];
}
