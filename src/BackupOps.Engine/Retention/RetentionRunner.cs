using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Retention;

/// <summary>The outcome of applying retention to one kind of backup in a store.</summary>
/// <param name="Actions">What was removed (or would be, on a dry run).</param>
/// <param name="Kept">Valid backups left.</param>
public sealed record RetentionOutcome(IReadOnlyList<PruneAction> Actions, int Kept);

/// <summary>List, plan and (unless a dry run) apply retention for one kind: the same rules for database backups and Redis snapshots.</summary>
public static class RetentionRunner
{
    /// <summary>Applies <paramref name="policy"/> to the backups of <paramref name="kind"/> (optionally one source).</summary>
    public static async Task<RetentionOutcome> RunAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken, Health.RunReporting? reporting = null)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        if (dryRun)
        {
            return await PlanAndApplyAsync<TManifest>(store, kind, source, policy, dryRun, cancellationToken).ConfigureAwait(false);
        }

        // Prunes are recorded but not announced: a nightly message per prune would bury the backup messages.
        var context = new Health.RunContext(store.Display, null, kind.Name, source ?? "*", "prune", (reporting ?? Health.RunReporting.FromEnvironment()) with { WebhookUrl = null }, store);
        return await Health.RunTracker.TrackAsync(context, () => PlanAndApplyAsync<TManifest>(store, kind, source, policy, dryRun, cancellationToken), o => new Health.RunSummary(true, o.Actions.Sum(a => a.SizeBytes), null)).ConfigureAwait(false);
    }

    private static async Task<RetentionOutcome> PlanAndApplyAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        var listing = await BackupCatalog.ListAsync<TManifest>(store, kind, new BackupCatalog.Filter(source), cancellationToken).ConfigureAwait(false);
        var plan = PruneEngine.Plan(listing, policy, DateTimeOffset.UtcNow);
        var actions = dryRun ? plan : await PruneEngine.ApplyAsync(store, listing, plan, cancellationToken).ConfigureAwait(false);
        var removedBackups = actions.Count(a => listing.Backups.Any(b => b.BackupId == a.Key));
        return new RetentionOutcome(actions, listing.Backups.Count - removedBackups);
    }
}
