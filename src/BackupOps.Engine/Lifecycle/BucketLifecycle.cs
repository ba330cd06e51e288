using Amazon.S3.Model;

namespace BackupOps.Engine.Lifecycle;

/// <summary>A bucket's lifecycle configuration as read: normalised rules, plus the raw rules so that rules BackupOps
/// does not manage are written back exactly as they were (tag filters and all).</summary>
public sealed class BucketLifecycle
{
    internal BucketLifecycle(string bucket, IReadOnlyList<(LifecycleRuleSpec Spec, LifecycleRule Raw)> rules)
    {
        Bucket = bucket;
        RawRules = rules;
    }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The rules, normalised.</summary>
    public IReadOnlyList<LifecycleRuleSpec> Rules => [.. RawRules.Select(r => r.Spec)];

    internal IReadOnlyList<(LifecycleRuleSpec Spec, LifecycleRule Raw)> RawRules { get; }
}
