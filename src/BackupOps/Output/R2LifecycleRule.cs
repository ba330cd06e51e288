namespace BackupOps;

/// <summary>One lifecycle rule of a bucket (Get-R2Lifecycle output).</summary>
public sealed class R2LifecycleRule
{
    /// <summary>The bucket.</summary>
    public string Bucket { get; init; } = string.Empty;

    /// <summary>Rule id; BackupOps' rules start with backupops-.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Key prefix; empty for the whole bucket.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>True when enabled.</summary>
    public bool Enabled { get; init; }

    /// <summary>Transitions as "days:STORAGE_CLASS", in order.</summary>
    public string[] Transitions { get; init; } = [];

    /// <summary>Days before deletion, if any.</summary>
    public int? ExpirationDays { get; init; }

    /// <summary>Days before incomplete multipart uploads are aborted, if any.</summary>
    public int? AbortIncompleteMultipartDays { get; init; }

    /// <summary>True when BackupOps manages the rule.</summary>
    public bool ManagedByBackupOps { get; init; }

    /// <summary>True when the rule uses filters or actions BackupOps does not model (tags, sizes, versions, dates).</summary>
    public bool HasUnmodelledParts { get; init; }

    /// <summary>One-line description.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The rule as one line, so a result's Rules read right wherever PowerShell shows them as text.</summary>
    public override string ToString() => $"{Id}: {Description}";
}
