namespace BackupOps;

/// <summary>Freshness of one database or Redis source (Get-BackupStatus output).</summary>
public sealed class BackupStatus
{
    /// <summary>postgresql or redis.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>Database or Redis source name.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Healthy, Stale, Missing or Failing.</summary>
    public string Status { get; init; } = string.Empty;

    /// <summary>The newest valid backup, if any.</summary>
    public string? NewestBackupId { get; init; }

    /// <summary>When it started (UTC).</summary>
    public DateTime? NewestStartedUtc { get; init; }

    /// <summary>Its age.</summary>
    public TimeSpan? Age { get; init; }

    /// <summary>Its size in bytes.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>How long it took, in seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>When the newest failed attempt started (only when newer than the newest valid backup).</summary>
    public DateTime? LastFailureUtc { get; init; }

    /// <summary>The newest failed attempt's error (id and message).</summary>
    public string? LastFailure { get; init; }

    /// <summary>Failed runs recorded for this source.</summary>
    public int Failures { get; init; }

    /// <summary>Why the source is not Healthy: a damaged newest backup, an interrupted or failed run, or its age.</summary>
    public string? Reason { get; init; }
}
