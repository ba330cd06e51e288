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
        var objects = await ListObjectsAsync(store, prefix, cancellationToken).ConfigureAwait(false);
        var manifests = ManifestsNewestFirst(objects).ToList();

        // Manifests are read a few at a time: a 90-day catalog holds thousands, and one round trip each in
        // sequence would make every listing take as long as the store's latency times the backup count.
        var read = new CatalogRead<TManifest>[manifests.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, manifests.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ManifestReadConcurrency, CancellationToken = cancellationToken },
            async (i, token) => read[i] = await ReadAsync<TManifest>(store, manifests[i], objects, token).ConfigureAwait(false)).ConfigureAwait(false);

        var backups = read.Where(r => r.Entry is not null).Select(r => r.Entry!).ToList();
        var leftovers = read.Where(r => r.Leftover is not null).Select(r => r.Leftover!).ToList();
        var claimed = new HashSet<string>(manifests.Select(m => m.Key), StringComparer.Ordinal);
        claimed.UnionWith(read.Where(r => r.DataKey is not null).Select(r => r.DataKey!));
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

    /// <summary>Finds one valid backup of a kind by id (optionally within a source); reads only that backup's manifest.</summary>
    public static async Task<CatalogEntry<TManifest>> FindAsync<TManifest>(IBackupStore store, BackupKind kind, string backupId, string? database, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(backupId);
        var id = BackupKeys.BackupIdOf(backupId) ?? backupId;
        var objects = await ListObjectsAsync(store, database is null ? kind.Prefix : BackupKeys.SourcePrefix(kind, database), cancellationToken).ConfigureAwait(false);
        foreach (var manifest in ManifestsNewestFirst(objects).Where(m => BackupKeys.BackupIdOf(m.Key) == id))
        {
            var read = await ReadAsync<TManifest>(store, manifest, objects, cancellationToken).ConfigureAwait(false);
            if (read.Entry is not null && (database is null || read.Entry.Database == database))
            {
                return read.Entry;
            }
        }

        throw new BackupOpsException(
            BackupOpsErrorKind.NotFound,
            "BackupNotFound",
            objects.Keys.Any(k => k.Contains(id, StringComparison.Ordinal))
                ? $"'{id}' in {store.Display} is not a valid backup (no manifest or incomplete data). Run Get-PgBackup / backupops pg list to see the valid backups."
                : $"No backup '{id}' in {store.Display}. Run Get-PgBackup / backupops pg list to see the backups there.") { Target = id };
    }

    /// <summary>
    /// The newest valid backup of a source, or a clear error when there is none. Manifests are read newest
    /// first and the search stops at the first valid one, so a restore does not wait for the whole catalog.
    /// </summary>
    public static async Task<CatalogEntry<TManifest>> FindLatestAsync<TManifest>(IBackupStore store, BackupKind kind, string source, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        var objects = await ListObjectsAsync(store, BackupKeys.SourcePrefix(kind, source), cancellationToken).ConfigureAwait(false);
        foreach (var manifest in ManifestsNewestFirst(objects))
        {
            var read = await ReadAsync<TManifest>(store, manifest, objects, cancellationToken).ConfigureAwait(false);
            if (read.Entry is not null && read.Entry.Database == source)
            {
                return read.Entry;
            }
        }

        throw new BackupOpsException(BackupOpsErrorKind.NotFound, "NoBackupFound", $"There is no valid {kind.Name} backup of '{source}' in {store.Display}. Check the store and the name (list them first).") { Target = source };
    }

    private const int ManifestReadConcurrency = 8;

    private static async Task<Dictionary<string, StoreObject>> ListObjectsAsync(IBackupStore store, string prefix, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, StoreObject>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            objects[item.Key] = item;
        }

        return objects;
    }

    // Backup ids start with their UTC start time, so key order within a source is age order.
    private static IEnumerable<StoreObject> ManifestsNewestFirst(Dictionary<string, StoreObject> objects) =>
        objects.Values
            .Where(o => o.Key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal))
            .OrderByDescending(o => BackupKeys.BackupIdOf(o.Key), StringComparer.Ordinal);

    /// <summary>One manifest checked against the listing: a valid backup, a leftover, or nothing (deleted meanwhile).</summary>
    private static async Task<CatalogRead<TManifest>> ReadAsync<TManifest>(IBackupStore store, StoreObject manifestObject, Dictionary<string, StoreObject> objects, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        TManifest manifest;
        try
        {
            var bytes = await store.TryGetSmallAsync(manifestObject.Key, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return new CatalogRead<TManifest>(null, null, null);
            }

            manifest = ManifestSerializer.Deserialize<TManifest>(bytes, manifestObject.Key);
        }
        catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.IntegrityFailed)
        {
            return new CatalogRead<TManifest>(null, new BackupLeftover(manifestObject.Key, DatabaseOf(manifestObject.Key), manifestObject.Size, manifestObject.LastModifiedUtc, ex.Message, null), null);
        }

        if (!objects.TryGetValue(manifest.DataKey, out var data))
        {
            return new CatalogRead<TManifest>(null, new BackupLeftover(manifestObject.Key, manifest.Database, manifestObject.Size, manifestObject.LastModifiedUtc, "manifest without its data object", null), null);
        }

        return data.Size != manifest.SizeBytes
            ? new CatalogRead<TManifest>(null, new BackupLeftover(data.Key, manifest.Database, data.Size, data.LastModifiedUtc, $"data object is {data.Size} bytes, manifest says {manifest.SizeBytes}", null), data.Key)
            : new CatalogRead<TManifest>(new CatalogEntry<TManifest>(store.Display, manifest, manifestObject.Key), null, data.Key);
    }

    private sealed record CatalogRead<TManifest>(CatalogEntry<TManifest>? Entry, BackupLeftover? Leftover, string? DataKey)
        where TManifest : class, IBackupManifest;

    private static string? DatabaseOf(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 3 ? Uri.UnescapeDataString(parts[1]) : null;
    }
}
