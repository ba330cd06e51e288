namespace BackupOps;

/// <summary>Something in a store that is not a valid backup (Get-PgBackup -Leftover): a partial write, data without a manifest.</summary>
public sealed class PgBackupLeftover
{
    /// <summary>The store.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The key.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>The database folder it is in, when known.</summary>
    public string? Database { get; init; }

    /// <summary>Size in bytes, when known.</summary>
    public long SizeBytes { get; init; }

    /// <summary>When it was written or started (UTC).</summary>
    public DateTime LastModifiedUtc { get; init; }

    /// <summary>Why it is not a backup.</summary>
    public string Reason { get; init; } = string.Empty;
}
