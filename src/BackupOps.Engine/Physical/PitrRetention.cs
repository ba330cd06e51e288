using BackupOps.Engine.Catalog;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Engine.Physical;

/// <summary>A WAL file retention would remove: its store key and the action to report.</summary>
/// <param name="StoreKey">The object to delete.</param>
/// <param name="Action">What is reported (the WAL file name, the cluster, why).</param>
public sealed record WalRemoval(string StoreKey, PruneAction Action);

/// <summary>
/// Retention for point-in-time recovery: base backups by the same rules as dumps (age, and never the newest
/// <see cref="RetentionPolicy.MinimumKeep"/> valid ones), then the WAL no retained base backup can use — every
/// segment before the start of the oldest retained one. Nothing the retained backups need is removed, timeline
/// history files are kept, and a cluster without any base backup, or one whose base backups prune refused, keeps all
/// its WAL.
/// </summary>
public static class PitrRetention
{
    /// <summary>Applies <paramref name="policy"/> to the base backups and WAL of one cluster (or every cluster).</summary>
    public static async Task<RetentionOutcome> RunAsync(IBackupStore store, string? cluster, RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken, Health.RunReporting? reporting = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);

        // Base backups by the one rule every kind follows: the newest kept are proven whole first (issue 12).
        var backups = await RetentionRunner.RunAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, cluster, policy, dryRun, cancellationToken, reporting).ConfigureAwait(false);
        var refused = new HashSet<string>(backups.Refused.Select(r => r.Source), StringComparer.Ordinal);
        var removedIds = new HashSet<string>(backups.Actions.Select(a => a.Key), StringComparer.Ordinal);
        var actions = new List<PruneAction>(backups.Actions);
        foreach (var removal in await PlanWalAsync(store, cluster, removedIds, refused, cancellationToken).ConfigureAwait(false))
        {
            if (!dryRun)
            {
                await store.DeleteAsync(removal.StoreKey, cancellationToken).ConfigureAwait(false);
            }

            actions.Add(removal.Action with { Removed = !dryRun });
        }

        // A cluster left alone (ambiguous catalog, too few base backups proven whole) keeps its WAL too.
        return backups with { Actions = actions };
    }

    /// <summary>
    /// The WAL files of <paramref name="cluster"/> (or every cluster) that no retained base backup needs, counting the
    /// base backups in <paramref name="removedBackupIds"/> as gone and leaving the clusters in
    /// <paramref name="leftAlone"/> untouched. Removes nothing (the actions say <c>Removed = false</c>).
    /// </summary>
    public static async Task<IReadOnlyList<WalRemoval>> PlanWalAsync(IBackupStore store, string? cluster, IReadOnlySet<string> removedBackupIds, IReadOnlySet<string> leftAlone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(removedBackupIds);
        ArgumentNullException.ThrowIfNull(leftAlone);
        var listing = await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, new BackupCatalog.Filter(cluster), cancellationToken).ConfigureAwait(false);
        var removals = new List<WalRemoval>();
        foreach (var group in listing.Backups.Where(b => !removedBackupIds.Contains(b.BackupId)).GroupBy(b => b.Database, StringComparer.Ordinal).Where(g => !leftAlone.Contains(g.Key)))
        {
            var oldest = group.OrderBy(b => b.Manifest.StartedUtc).First().Manifest;
            var keepFrom = WalFileName.SegmentNumberOf(oldest.StartWalSegment, oldest.WalSegmentSize);
            var archive = new WalArchive(store, group.Key);
            foreach (var entry in await archive.ListAsync(null, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Name.Kind == WalFileKind.History || entry.Name.SegmentNumber(oldest.WalSegmentSize) >= keepFrom)
                {
                    continue;
                }

                removals.Add(new WalRemoval(entry.Key, new PruneAction(entry.Name.Name, group.Key, entry.ArchivedUtc, entry.SizeBytes, $"WAL before {oldest.StartWalSegment}, where the oldest retained base backup {oldest.BackupId} starts", false)));
            }
        }

        return removals;
    }
}
