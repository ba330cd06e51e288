using BackupOps.Engine.Catalog;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Engine.Physical;

/// <summary>
/// Retention for point-in-time recovery: base backups by the same rules as dumps (age, and never the newest
/// <see cref="RetentionPolicy.MinimumKeep"/> valid ones), then the WAL no retained base backup can use — every
/// segment before the start of the oldest retained one. Nothing the retained backups need is removed, timeline
/// history files are kept, and a cluster without any base backup keeps all its WAL.
/// </summary>
public static class PitrRetention
{
    /// <summary>Applies <paramref name="policy"/> to the base backups and WAL of one cluster (or every cluster).</summary>
    public static async Task<RetentionOutcome> RunAsync(IBackupStore store, string? cluster, RetentionPolicy policy, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        var backups = await RetentionRunner.RunAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, cluster, policy, dryRun, cancellationToken).ConfigureAwait(false);
        var removedIds = new HashSet<string>(backups.Actions.Select(a => a.Key), StringComparer.Ordinal);
        var listing = await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, new BackupCatalog.Filter(cluster), cancellationToken).ConfigureAwait(false);
        var actions = new List<PruneAction>(backups.Actions);
        foreach (var group in listing.Backups.Where(b => !removedIds.Contains(b.BackupId)).GroupBy(b => b.Database, StringComparer.Ordinal))
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

                if (!dryRun)
                {
                    await store.DeleteAsync(entry.Key, cancellationToken).ConfigureAwait(false);
                }

                actions.Add(new PruneAction(entry.Name.Name, group.Key, entry.ArchivedUtc, entry.SizeBytes, $"WAL before {oldest.StartWalSegment}, where the oldest retained base backup {oldest.BackupId} starts", !dryRun));
            }
        }

        return new RetentionOutcome(actions, backups.Kept);
    }
}
