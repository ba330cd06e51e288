using BackupOps.Engine.Backup;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>
/// What the key listing alone tells about a catalog once some of its manifests were read: a data object no read
/// manifest claims is a leftover when nothing else can claim it (its id has no manifest in its folder, or that
/// manifest was read), a manifest that was not read is a leftover when no data object shares its id, and links are
/// anomalies. A manifest that was not read is not judged further (damaged or misplaced, it is the full listing's and
/// prune's to report). With every manifest read this is exactly the full listing's judgement.
/// </summary>
internal static class KeyOnlyJudgement
{
    /// <summary>Leftovers and anomalies the listing shows beyond what the reads reported.</summary>
    /// <param name="objects">The whole key listing.</param>
    /// <param name="claimed">Every manifest key and its signature, and every data key a read manifest named.</param>
    /// <param name="judged">Manifests whose read finished (valid, leftover, anomaly or vanished).</param>
    /// <param name="reported">Keys the reads already reported as leftovers.</param>
    public static (List<BackupLeftover> Leftovers, List<CatalogAnomaly> Anomalies) Judge(IReadOnlyDictionary<string, StoreObject> objects, IReadOnlySet<string> claimed, IReadOnlySet<string> judged, IReadOnlySet<string> reported)
    {
        var leftovers = new List<BackupLeftover>();
        var groups = objects.Values
            .Where(o => o.LinkTarget is null)
            .GroupBy(o => (Folder: FolderOf(o.Key), Id: BackupKeys.BackupIdOf(o.Key)));
        foreach (var group in groups)
        {
            var id = group.Key.Id;
            var manifest = group.FirstOrDefault(o => o.Key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal));
            var read = manifest is not null && judged.Contains(manifest.Key);
            if (id is not null && manifest is not null && !read && !reported.Contains(manifest.Key)
                && !group.Any(o => o != manifest && !o.Key.EndsWith(Signing.ManifestSignatures.Suffix, StringComparison.Ordinal)))
            {
                leftovers.Add(new BackupLeftover(manifest.Key, BackupCatalog.DatabaseOf(manifest.Key), manifest.Size, manifest.LastModifiedUtc, "manifest without its data object", null));
            }

            foreach (var orphan in group.Where(o => !claimed.Contains(o.Key) && (id is null || manifest is null || read)))
            {
                leftovers.Add(new BackupLeftover(orphan.Key, BackupCatalog.DatabaseOf(orphan.Key), orphan.Size, orphan.LastModifiedUtc, "data object without a manifest (failed or running backup)", null));
            }
        }

        var anomalies = objects.Values.Where(o => o.LinkTarget is not null).Select(link => new CatalogAnomaly(
            link.Key,
            BackupCatalog.DatabaseOf(link.Key) is { } source ? [source] : [],
            null,
            $"{link.Key} is a symbolic link (to {link.LinkTarget}); BackupOps does not follow links in a store, so nothing behind it is listed, restored or deleted. Replace it by a real folder or file, or remove it.")).ToList();
        return (leftovers, anomalies);
    }

    /// <summary>The folder part of a key, with its trailing slash.</summary>
    public static string FolderOf(string key) => key[..(key.LastIndexOf('/') + 1)];
}
