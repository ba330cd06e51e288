using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>Lists the PostgreSQL backups in a store and finds one by id.</summary>
public static class BackupCatalog
{
    /// <summary>Filters for <see cref="ListAsync"/>.</summary>
    /// <param name="Database">Only this database (null for all).</param>
    /// <param name="Since">Only backups started at or after this time.</param>
    /// <param name="LatestOnly">Only the newest backup of each database.</param>
    public sealed record Filter(string? Database = null, DateTimeOffset? Since = null, bool LatestOnly = false);

    /// <summary>Lists valid backups newest first and reports leftovers separately.</summary>
    public static async Task<BackupListing> ListAsync(IBackupStore store, Filter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        var prefix = filter.Database is null ? BackupKeys.PostgresPrefix : BackupKeys.DatabasePrefix(filter.Database);
        var objects = new Dictionary<string, StoreObject>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            objects[item.Key] = item;
        }

        var backups = new List<BackupEntry>();
        var leftovers = new List<BackupLeftover>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifestObject in objects.Values.Where(o => o.Key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal)))
        {
            claimed.Add(manifestObject.Key);
            BackupManifest manifest;
            try
            {
                var bytes = await store.TryGetSmallAsync(manifestObject.Key, cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    continue;
                }

                manifest = ManifestSerializer.Deserialize(bytes, manifestObject.Key);
            }
            catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.IntegrityFailed)
            {
                leftovers.Add(new BackupLeftover(manifestObject.Key, DatabaseOf(manifestObject.Key), manifestObject.Size, manifestObject.LastModifiedUtc, ex.Message, null));
                continue;
            }

            if (!objects.TryGetValue(manifest.DataKey, out var data))
            {
                leftovers.Add(new BackupLeftover(manifestObject.Key, manifest.Database, manifestObject.Size, manifestObject.LastModifiedUtc, "manifest without its data object", null));
                continue;
            }

            claimed.Add(data.Key);
            if (data.Size != manifest.SizeBytes)
            {
                leftovers.Add(new BackupLeftover(data.Key, manifest.Database, data.Size, data.LastModifiedUtc, $"data object is {data.Size} bytes, manifest says {manifest.SizeBytes}", null));
                continue;
            }

            backups.Add(new BackupEntry(store.Display, manifest, manifestObject.Key));
        }

        foreach (var orphan in objects.Values.Where(o => !claimed.Contains(o.Key)))
        {
            leftovers.Add(new BackupLeftover(orphan.Key, DatabaseOf(orphan.Key), orphan.Size, orphan.LastModifiedUtc, "data object without a manifest (failed or running backup)", null));
        }

        foreach (var write in await store.ListIncompleteWritesAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            leftovers.Add(new BackupLeftover(write.Key, DatabaseOf(write.Key), 0, write.StartedUtc, write.Description, write));
        }

        IEnumerable<BackupEntry> selected = backups
            .Where(b => filter.Database is null || b.Database == filter.Database)
            .Where(b => filter.Since is null || b.Manifest.StartedUtc >= filter.Since)
            .OrderByDescending(b => b.Manifest.StartedUtc)
            .ThenByDescending(b => b.BackupId, StringComparer.Ordinal);
        if (filter.LatestOnly)
        {
            selected = selected.GroupBy(b => b.Database, StringComparer.Ordinal).Select(g => g.First());
        }

        return new BackupListing([.. selected], [.. leftovers.OrderBy(l => l.Key, StringComparer.Ordinal)]);
    }

    /// <summary>Finds one valid backup by id (optionally within a database).</summary>
    public static async Task<BackupEntry> FindAsync(IBackupStore store, string backupId, string? database, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupId);
        var id = BackupKeys.BackupIdOf(backupId) ?? backupId;
        var listing = await ListAsync(store!, new Filter(database), cancellationToken).ConfigureAwait(false);
        return listing.Backups.FirstOrDefault(b => b.BackupId == id)
            ?? throw new BackupOpsException(
                BackupOpsErrorKind.NotFound,
                "BackupNotFound",
                listing.Leftovers.Any(l => l.Key.Contains(id, StringComparison.Ordinal))
                    ? $"'{id}' in {store!.Display} is not a valid backup (no manifest or incomplete data). Run 'backupops pg list' to see valid backups."
                    : $"No backup '{id}' in {store!.Display}. Run 'backupops pg list' (Get-PgBackup) to see the backups there.") { Target = id };
    }

    private static string? DatabaseOf(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 3 ? Uri.UnescapeDataString(parts[1]) : null;
    }
}
