using BackupOps.Engine.Backup;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>
/// The newest backups of each source without reading the whole catalog: <c>status</c>, which monitoring runs every
/// few minutes, and <c>pg list --latest</c> read the key listing (one request per 1,000 keys) and then manifests
/// newest first, per source, only until one is accepted, instead of one GET per stored manifest (a 90-day catalog of
/// a few databases holds thousands). What the listing alone can tell is still reported: data objects with no
/// manifest of their id, manifests with no data object of their id, links and unfinished writes. A manifest that was
/// not read is not judged here (a damaged or misplaced old one is the full listing's and prune's to report).
/// </summary>
public static partial class BackupCatalog
{
    /// <summary>
    /// For each source (or only <paramref name="source"/>): its valid backups newest first, read until
    /// <paramref name="accept"/> takes one (that one is the last listed for the source).
    /// </summary>
    public static async Task<CatalogListing<TManifest>> ListNewestAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, Func<CatalogEntry<TManifest>, Task<bool>> accept, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(accept);
        var prefix = source is null ? kind.Prefix : BackupKeys.SourcePrefix(kind, source);
        var objects = await ListObjectsAsync(store, prefix, cancellationToken).ConfigureAwait(false);
        var manifests = ManifestsNewestFirst(objects).ToList();
        var backups = new List<CatalogEntry<TManifest>>();
        var leftovers = new List<BackupLeftover>();
        var anomalies = new List<CatalogAnomaly>();
        var judged = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(manifests.SelectMany(m => new[] { m.Key, Signing.ManifestSignatures.KeyOf(m.Key) }), StringComparer.Ordinal);
        foreach (var folder in manifests.GroupBy(m => KeyOnlyJudgement.FolderOf(m.Key), StringComparer.Ordinal))
        {
            foreach (var manifest in folder)
            {
                var read = await ReadAsync<TManifest>(store, kind, manifest, objects, cancellationToken).ConfigureAwait(false);
                judged.Add(manifest.Key);
                if (read.DataKey is not null)
                {
                    claimed.Add(read.DataKey);
                }

                if (read.Leftover is not null)
                {
                    leftovers.Add(read.Leftover);
                }

                if (read.Anomaly is not null)
                {
                    anomalies.Add(read.Anomaly);
                }

                if (read.Entry is not null)
                {
                    backups.Add(read.Entry);
                    if (await accept(read.Entry).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }
        }

        // Key-only judgement of what was not read: an object shares its id with a manifest in its folder or is a leftover.
        var (unread, links) = KeyOnlyJudgement.Judge(objects, claimed, judged, leftovers.Select(l => l.Key).ToHashSet(StringComparer.Ordinal));
        leftovers.AddRange(unread);
        anomalies.AddRange(links);
        foreach (var write in await store.ListIncompleteWritesAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            leftovers.Add(new BackupLeftover(write.Key, DatabaseOf(write.Key), 0, write.StartedUtc, write.Description, write));
        }

        return new CatalogListing<TManifest>([.. backups.Where(b => source is null || b.Database == source)], [.. leftovers.DistinctBy(l => l.Key).OrderBy(l => l.Key, StringComparer.Ordinal)])
        {
            Anomalies = [.. anomalies.OrderBy(a => a.Key, StringComparer.Ordinal)],
        };
    }

}
