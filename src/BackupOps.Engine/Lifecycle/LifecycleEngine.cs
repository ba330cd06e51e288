using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Lifecycle;

/// <summary>What to apply to (or compare with) a bucket.</summary>
public sealed record LifecycleRequest
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>Endpoint, credentials and provider.</summary>
    public required S3StoreOptions S3 { get; init; }

    /// <summary>JSON template file, or null for the default policy.</summary>
    public string? TemplatePath { get; init; }

    /// <summary>Parameter overrides.</summary>
    public LifecycleOverrides Overrides { get; init; } = new();

    /// <summary>Replace the whole configuration, removing rules BackupOps does not manage.</summary>
    public bool Replace { get; init; }

    /// <summary>Backup retention to reconcile with (default: BACKUP_RETENTION_DAYS when set).</summary>
    public int? BackupRetentionDays { get; init; }

    /// <summary>Where backups live in the bucket (default <c>pg/</c>, BackupOps' layout at the bucket root).</summary>
    public string BackupPrefix { get; init; } = Backup.BackupKeys.PostgresPrefix;
}

/// <summary>The outcome of planning or applying a policy.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Provider">The provider profile used.</param>
/// <param name="Changes">Rule differences; empty when the bucket already matched.</param>
/// <param name="DeletesSooner">True when the change deletes objects sooner than before.</param>
/// <param name="Applied">True when the configuration was written.</param>
/// <param name="Rules">The managed rules of the policy.</param>
/// <param name="ForeignRules">Rules of others in the bucket (kept unless Replace).</param>
/// <param name="Notices">What was adapted for the provider (e.g. Archive not applied on R2).</param>
/// <param name="Warnings">Conflicts with the backup retention.</param>
public sealed record LifecycleResult(
    string Bucket,
    S3Provider Provider,
    IReadOnlyList<RuleChange> Changes,
    bool DeletesSooner,
    bool Applied,
    IReadOnlyList<LifecycleRuleSpec> Rules,
    IReadOnlyList<LifecycleRuleSpec> ForeignRules,
    IReadOnlyList<string> Notices,
    IReadOnlyList<string> Warnings)
{
    /// <summary>True when the bucket matches the policy.</summary>
    public bool InSync => Changes.Count == 0;
}

/// <summary>Applies, reads and checks bucket lifecycle policies.</summary>
public static class LifecycleEngine
{
    /// <summary>Computes what applying would change; writes nothing (for -WhatIf, confirmation and drift tests).</summary>
    public static async Task<LifecycleResult> PlanAsync(LifecycleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (desired, notices) = Desired(request);
        using var client = S3ClientFactory.Create(request.S3);
        var current = await new BucketLifecycleClient(client).GetAsync(request.Bucket, cancellationToken).ConfigureAwait(false);
        var plan = LifecyclePlanner.Plan(current.Rules, desired, request.Replace);
        return Result(request, plan, applied: false, notices);
    }

    /// <summary>Applies the policy when the bucket differs; an unchanged bucket is not written.</summary>
    public static async Task<LifecycleResult> ApplyAsync(LifecycleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (desired, notices) = Desired(request);
        using var client = S3ClientFactory.Create(request.S3);
        var lifecycle = new BucketLifecycleClient(client);
        var current = await lifecycle.GetAsync(request.Bucket, cancellationToken).ConfigureAwait(false);
        var plan = LifecyclePlanner.Plan(current.Rules, desired, request.Replace);
        if (plan.Changes.Count == 0)
        {
            return Result(request, plan, applied: false, notices);
        }

        var keep = request.Replace ? [] : current.RawRules.Where(r => !r.Spec.IsManaged).Select(r => r.Raw);
        await lifecycle.PutAsync(request.Bucket, keep, desired, cancellationToken).ConfigureAwait(false);
        return Result(request, plan, applied: true, notices);
    }

    /// <summary>Reads a bucket's rules.</summary>
    public static async Task<BucketLifecycle> GetAsync(string bucket, S3StoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var client = S3ClientFactory.Create(options);
        return await new BucketLifecycleClient(client).GetAsync(bucket, cancellationToken).ConfigureAwait(false);
    }

    private static (IReadOnlyList<LifecycleRuleSpec> Desired, IReadOnlyList<string> Notices) Desired(LifecycleRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Bucket))
        {
            throw BackupOpsException.InvalidInput("BucketMissing", "No bucket was given. Pass -Bucket / --bucket.");
        }

        request.S3.Validate();
        var policy = LifecyclePolicySources.Resolve(request.Bucket, request.TemplatePath, request.Overrides);
        return ProviderCapabilities.Map(policy, request.S3.EffectiveProvider);
    }

    private static LifecycleResult Result(LifecycleRequest request, LifecyclePlan plan, bool applied, IReadOnlyList<string> notices)
    {
        var retention = request.BackupRetentionDays ?? Retention.RetentionPolicy.TryFromEnvironment();
        var warnings = retention is { } days ? RetentionReconciler.Check(plan.Desired, days, request.BackupPrefix) : [];
        return new LifecycleResult(request.Bucket, request.S3.EffectiveProvider, plan.Changes, plan.DeletesSooner, applied, plan.Desired, plan.Foreign, notices, warnings);
    }
}
