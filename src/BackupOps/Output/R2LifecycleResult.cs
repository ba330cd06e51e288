namespace BackupOps;

/// <summary>What Set-R2Lifecycle applied, or what Test-R2Lifecycle found (desired versus actual).</summary>
public sealed class R2LifecycleResult
{
    /// <summary>The bucket.</summary>
    public string Bucket { get; init; } = string.Empty;

    /// <summary>Provider profile used (Aws, R2, Generic).</summary>
    public string Provider { get; init; } = string.Empty;

    /// <summary>True when the bucket matches the policy.</summary>
    public bool InSync { get; init; }

    /// <summary>True when the configuration was written.</summary>
    public bool Applied { get; init; }

    /// <summary>True when the change deletes objects sooner than before (or at all).</summary>
    public bool DeletesSooner { get; init; }

    /// <summary>Differences: "+ id: ..." missing/added, "- id: ..." extra/removed, "~ id: before → after" different.</summary>
    public string[] Changes { get; init; } = [];

    /// <summary>The policy's rules.</summary>
    public R2LifecycleRule[] Rules { get; init; } = [];

    /// <summary>Rules of others in the bucket (kept unless -Replace).</summary>
    public R2LifecycleRule[] ForeignRules { get; init; } = [];

    /// <summary>What was adapted for the provider (for example: Archive not applied on R2).</summary>
    public string[] Notices { get; init; } = [];

    /// <summary>Conflicts with the backup retention.</summary>
    public string[] Warnings { get; init; } = [];
}
