namespace BackupOps.Engine.Restore;

/// <summary>What a restore did and what its validation found.</summary>
public sealed record PgRestoreResult
{
    /// <summary>Backup id, or the file name for a file restore.</summary>
    public required string BackupId { get; init; }

    /// <summary>The database the backup was taken from (when known).</summary>
    public string? SourceDatabase { get; init; }

    /// <summary>The database restored into.</summary>
    public required string TargetDatabase { get; init; }

    /// <summary>Target server as host:port.</summary>
    public required string TargetServer { get; init; }

    /// <summary>True when the restore created the target database.</summary>
    public bool CreatedDatabase { get; init; }

    /// <summary>Bytes read from the store.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Time to fetch and verify the backup.</summary>
    public TimeSpan DownloadDuration { get; init; }

    /// <summary>Time pg_restore / psql ran.</summary>
    public TimeSpan RestoreDuration { get; init; }

    /// <summary>Time validation took.</summary>
    public TimeSpan ValidationDuration { get; init; }

    /// <summary>Every check and its outcome.</summary>
    public required IReadOnlyList<RestoreCheck> Checks { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded => Checks.All(c => c.Outcome != CheckOutcome.Failed);
}
