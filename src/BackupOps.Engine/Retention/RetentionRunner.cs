using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Engine.Retention;

/// <summary>The outcome of applying retention to one kind of backup in a store.</summary>
/// <param name="Actions">What was removed (or would be, on a dry run).</param>
/// <param name="Kept">Valid backups left.</param>
public sealed record RetentionOutcome(IReadOnlyList<PruneAction> Actions, int Kept)
{
    /// <summary>Backups found damaged while proving what is kept (never counted).</summary>
    public IReadOnlyList<VerificationRecord> Damaged { get; init; } = [];

    /// <summary>Sources left alone: an ambiguous catalog, or too few backups proven whole.</summary>
    public IReadOnlyList<PruneRefusal> Refused { get; init; } = [];

    /// <summary>Copies, misplaced manifests and links found in the catalog.</summary>
    public IReadOnlyList<CatalogAnomaly> Anomalies { get; init; } = [];

    /// <summary>What retention would remove but the store still locks (Object Lock): kept, with the date.</summary>
    public IReadOnlyList<PruneKept> Locked { get; init; } = [];

    /// <summary>The verifications the removals relied on.</summary>
    public IReadOnlyList<VerificationRecord> Proofs { get; init; } = [];

    /// <summary>True when a person must look: damage found or a source refused (front ends exit 1).</summary>
    public bool NeedsAttention => Damaged.Count > 0 || Refused.Count > 0;
}

/// <summary>List, prove, plan and (unless a dry run) apply retention for one kind: the same rules for database backups and Redis snapshots.</summary>
public static class RetentionRunner
{
    /// <summary>Applies <paramref name="policy"/> to the backups of <paramref name="kind"/> (optionally one source).</summary>
    public static async Task<RetentionOutcome> RunAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken, Health.RunReporting? reporting = null, IProgress<OperationProgress>? progress = null)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        var effective = reporting ?? Health.RunReporting.FromEnvironment();
        if (dryRun)
        {
            return await PlanAndApplyAsync<TManifest>(store, kind, source, policy, dryRun, effective.OnWarning, progress, cancellationToken).ConfigureAwait(false);
        }

        // Prunes are recorded but not announced: a nightly message per prune would bury the backup messages.
        var context = new Health.RunContext(store.Display, null, kind.Name, source ?? "*", "prune", effective with { WebhookUrl = null }, store);
        return await Health.RunTracker.TrackAsync(
            context,
            () => PlanAndApplyAsync<TManifest>(store, kind, source, policy, dryRun, effective.OnWarning, progress, cancellationToken),
            o => new Health.RunSummary(!o.NeedsAttention, o.Actions.Sum(a => a.SizeBytes), null, o.NeedsAttention ? string.Join("; ", o.Damaged.Select(d => d.Detail).Concat(o.Refused.Select(r => r.Reason))) : null),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the whole kind (a copy elsewhere concerns this source too) and plans, proving what removals rely on.</summary>
    public static async Task<(CatalogListing<TManifest> Listing, RetentionPlan Plan)> PlanAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, string? backupId, RetentionPolicy policy, bool writeRecords, Action<string>? onWarning, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(policy);
        var listing = await BackupCatalog.ListAsync<TManifest>(store, kind, new BackupCatalog.Filter(), cancellationToken).ConfigureAwait(false);
        var plan = backupId is not null
            ? await PruneEngine.PlanSingleAsync(store, kind, Restrict(listing, source), backupId, policy, writeRecords, onWarning, cancellationToken).ConfigureAwait(false)
            : await PruneEngine.PlanAsync(store, kind, listing, source, policy, DateTimeOffset.UtcNow, writeRecords, onWarning, progress, cancellationToken).ConfigureAwait(false);
        return (listing, plan);
    }

    private static async Task<RetentionOutcome> PlanAndApplyAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, RetentionPolicy policy, bool dryRun, Action<string>? onWarning, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        var (listing, plan) = await PlanAsync<TManifest>(store, kind, source, null, policy, !dryRun, onWarning, progress, cancellationToken).ConfigureAwait(false);
        var actions = dryRun ? plan.Actions : await PruneEngine.ApplyAsync(store, kind, listing, plan.Actions, cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            // Killed runs' started records past the grace become "interrupted" records: status stops re-reading them.
            // Never sooner than status would call them interrupted: a live run refreshes its record every 5 minutes.
            var silence = policy.LeftoverGrace > Health.BackupStatusEngine.DefaultInterruptedAfter ? policy.LeftoverGrace : Health.BackupStatusEngine.DefaultInterruptedAfter;
            await Health.RunTracker.SettleInterruptedAsync(store, kind.Name, silence, cancellationToken).ConfigureAwait(false);
        }

        var ours = listing.Backups.Where(b => source is null || b.Database == source).ToList();
        var removed = actions.Count(a => ours.Any(b => b.BackupId == a.Key && b.Database == a.Database));
        return new RetentionOutcome(actions, ours.Count - removed)
        {
            Damaged = plan.Damaged,
            Refused = plan.Refused,
            Proofs = plan.Proofs,
            Locked = plan.Locked,
            Anomalies = [.. listing.Anomalies.Where(a => source is null || a.Sources.Contains(source))],
        };
    }

    // By-id removals look only at their own source's backups, but keep the whole kind's anomalies.
    private static CatalogListing<TManifest> Restrict<TManifest>(CatalogListing<TManifest> listing, string? source)
        where TManifest : IBackupManifest =>
        source is null ? listing : listing with { Backups = [.. listing.Backups.Where(b => b.Database == source)] };
}
