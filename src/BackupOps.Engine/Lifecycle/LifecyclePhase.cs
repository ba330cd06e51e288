namespace BackupOps.Engine.Lifecycle;

/// <summary>A phase of a policy: from <paramref name="AfterDays"/> on, objects sit in <paramref name="StorageClass"/>.</summary>
/// <param name="AfterDays">Age in days at which the phase starts.</param>
/// <param name="StorageClass">A tier name (InfrequentAccess, Archive) or a concrete S3 class (STANDARD_IA, GLACIER_IR, ...).</param>
/// <param name="Explicit">False when the phase comes only from the built-in default (it may then be dropped on providers without the class).</param>
public sealed record LifecyclePhase(int AfterDays, string StorageClass, bool Explicit = true);

/// <summary>A provider-neutral rule: phases by age, expiration, abort of incomplete uploads, scoped to a prefix.</summary>
public sealed record LifecyclePolicyRule
{
    /// <summary>Short name; the bucket rule id becomes <c>backupops-&lt;name&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Key prefix; empty for the whole bucket.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Phases after Standard, in any order (validated to be increasing).</summary>
    public IReadOnlyList<LifecyclePhase> Phases { get; init; } = [];

    /// <summary>Delete objects at this age; null for never.</summary>
    public int? ExpirationDays { get; init; }

    /// <summary>Abort incomplete multipart uploads after this many days; null for never.</summary>
    public int? AbortIncompleteMultipartDays { get; init; }
}

/// <summary>The lifecycle wanted for one bucket.</summary>
public sealed record BucketLifecyclePolicy
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>The rules.</summary>
    public IReadOnlyList<LifecyclePolicyRule> Rules { get; init; } = [];

    /// <summary>Prefixes under legal hold: no rule may reach an object under them.</summary>
    public IReadOnlyList<string> LegalHoldPrefixes { get; init; } = [];
}
