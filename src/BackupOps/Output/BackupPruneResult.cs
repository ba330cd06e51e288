namespace BackupOps;

/// <summary>One backup, snapshot or leftover removed by Remove-PgBackup or Remove-RedisSnapshot.</summary>
public sealed class BackupPruneResult
{
    /// <summary>The store.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The backup id or leftover key.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>The database.</summary>
    public string? Database { get; init; }

    /// <summary>When the backup started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>Bytes freed.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Why it was removed.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>True once removed.</summary>
    public bool Removed { get; init; }
}
