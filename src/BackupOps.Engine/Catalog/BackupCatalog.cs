using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>Lists the backups of a kind in a store and finds one by id.</summary>
public static class BackupCatalog
{
    /// <summary>Filters for <see cref="ListAsync"/>.</summary>
    /// <param name="Database">Only this database (null for all).</param>
    /// <param name="Since">Only backups started at or after this time.</param>
    /// <param name="LatestOnly">Only the newest backup of each database.</param>
    public sealed record Filter(string? Database = null, DateTimeOffset? Since = null, bool LatestOnly = false);

    /// <summary>Lists valid PostgreSQL backups newest first and reports leftovers separately.</summary>
    public static Task<CatalogListing<BackupManifest>> ListAsync(IBackupStore store, Filter filter, CancellationToken cancellationToken) =>
        ListAsync<BackupManifest>(store, BackupKind.Postgres, filter, cancellationToken);

    /// <summary>Lists valid backups of a kind newest first and reports leftovers separately.</summary>
    public static async Task<CatalogListing<TManifest>> ListAsync<TManifest>(IBackupStore store, BackupKind kind, Filter filter, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(filter);
        var prefix = filter.Database is null ? kind.Prefix : BackupKeys.SourcePrefix(kind, filter.Database);
        var objects = new Dictionary<string, StoreObject>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            objects[item.Key] = item;
        }

        var backups = new List<CatalogEntry<TManifest>>();
        var leftovers = new List<BackupLeftover>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifestObject in objects.Values.Where(o => o.Key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal)))
        {
            claimed.Add(manifestObject.Key);
            TManifest manifest;
            try
            {
                var bytes = await store.TryGetSmallAsync(manifestObject.Key, cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    continue;
                }

                manifest = ManifestSerializer.Deserialize<TManifest>(bytes, manifestObject.Key);
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

            backups.Add(new CatalogEntry<TManifest>(store.Display, manifest, manifestObject.Key));
        }

        foreach (var orphan in objects.Values.Where(o => !claimed.Contains(o.Key)))
        {
            leftovers.Add(new BackupLeftover(orphan.Key, DatabaseOf(orphan.Key), orphan.Size, orphan.LastModifiedUtc, "data object without a manifest (failed or running backup)", null));
        }

        foreach (var write in await store.ListIncompleteWritesAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            leftovers.Add(new BackupLeftover(write.Key, DatabaseOf(write.Key), 0, write.StartedUtc, write.Description, write));
        }

        IEnumerable<CatalogEntry<TManifest>> selected = backups
            .Where(b => filter.Database is null || b.Database == filter.Database)
            .Where(b => filter.Since is null || b.Manifest.StartedUtc >= filter.Since)
            .OrderByDescending(b => b.Manifest.StartedUtc)
            .ThenByDescending(b => b.BackupId, StringComparer.Ordinal);
        if (filter.LatestOnly)
        {
            selected = selected.GroupBy(b => b.Database, StringComparer.Ordinal).Select(g => g.First());
        }

        return new CatalogListing<TManifest>([.. selected], [.. leftovers.OrderBy(l => l.Key, StringComparer.Ordinal)]);
    }

    /// <summary>Finds one valid PostgreSQL backup by id (optionally within a database).</summary>
    public static Task<CatalogEntry<BackupManifest>> FindAsync(IBackupStore store, string backupId, string? database, CancellationToken cancellationToken) =>
        FindAsync<BackupManifest>(store, BackupKind.Postgres, backupId, database, cancellationToken);

    /// <summary>Finds one valid backup of a kind by id (optionally within a source).</summary>
    public static async Task<CatalogEntry<TManifest>> FindAsync<TManifest>(IBackupStore store, BackupKind kind, string backupId, string? database, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupId);
        var id = BackupKeys.BackupIdOf(backupId) ?? backupId;
        var listing = await ListAsync<TManifest>(store!, kind, new Filter(database), cancellationToken).ConfigureAwait(false);
        return listing.Backups.FirstOrDefault(b => b.BackupId == id)
            ?? throw new BackupOpsException(
                BackupOpsErrorKind.NotFound,
                "BackupNotFound",
                listing.Leftovers.Any(l => l.Key.Contains(id, StringComparison.Ordinal))
                    ? $"'{id}' in {store!.Display} is not a valid backup (no manifest or incomplete data). Run 'backupops pg list' to see valid backups."
                    : $"No backup '{id}' in {store!.Display}. Run 'backupops pg list' (Get-PgBackup) to see the backups there.") { Target = id };
    }

    /// <summary>The newest valid backup of a source, or a clear error when there is none.</summary>
    public static async Task<CatalogEntry<TManifest>> FindLatestAsync<TManifest>(IBackupStore store, BackupKind kind, string source, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        var listing = await ListAsync<TManifest>(store, kind, new Filter(source, LatestOnly: true), cancellationToken).ConfigureAwait(false);
        return listing.Backups.Count > 0
            ? listing.Backups[0]
            : throw new BackupOpsException(BackupOpsErrorKind.NotFound, "NoBackupFound", $"There is no valid {kind.Name} backup of '{source}' in {store.Display}. Check the store and the name (list them first).") { Target = source };
    }

    private static string? DatabaseOf(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 3 ? Uri.UnescapeDataString(parts[1]) : null;
    }
}
