namespace BackupOps;

/// <summary>What Restore-PgBackup did and what validation found.</summary>
public sealed class PgRestoreResult
{
    /// <summary>Backup id, or the file name for a file restore.</summary>
    public string BackupId { get; init; } = string.Empty;

    /// <summary>The database the backup came from.</summary>
    public string? SourceDatabase { get; init; }

    /// <summary>The database restored into.</summary>
    public string TargetDatabase { get; init; } = string.Empty;

    /// <summary>Target server as host:port.</summary>
    public string TargetServer { get; init; } = string.Empty;

    /// <summary>True when the restore created the database.</summary>
    public bool CreatedDatabase { get; init; }

    /// <summary>Bytes read from the store.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Fetch and SHA-256 verification time.</summary>
    public TimeSpan DownloadDuration { get; init; }

    /// <summary>pg_restore / psql time.</summary>
    public TimeSpan RestoreDuration { get; init; }

    /// <summary>Validation time.</summary>
    public TimeSpan ValidationDuration { get; init; }

    /// <summary>True when no check failed.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Every check and its outcome.</summary>
    public BackupCheck[] Checks { get; init; } = [];
}
