using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>
/// Lists the backups of a kind in a store and finds one by id. One backup, one identity: a manifest counts only in
/// its own place (<c>&lt;kind&gt;/&lt;source&gt;/&lt;id&gt;.manifest.json</c>, naming its data key under the same
/// prefix). A manifest anywhere else (a copied folder or prefix, a moved file) and a symbolic link in a folder store
/// are anomalies: reported, never counted twice, never deleted.
/// </summary>
public static partial class BackupCatalog
{
    /// <summary>Filters for <see cref="ListAsync"/> and <see cref="StreamAsync{TManifest}"/>.</summary>
    /// <param name="Database">Only this database (null for all).</param>
    /// <param name="Since">Only backups started at or after this time.</param>
    /// <param name="LatestOnly">Only the newest backup of each database.</param>
    public sealed record Filter(string? Database = null, DateTimeOffset? Since = null, bool LatestOnly = false)
    {
        /// <summary>Only the newest this many backups (1 or more; null for all): no manifest beyond them is read.</summary>
        public int? Limit { get; init; }
    }

    /// <summary>Lists valid PostgreSQL backups newest first and reports leftovers separately.</summary>
    public static Task<CatalogListing<BackupManifest>> ListAsync(IBackupStore store, Filter filter, CancellationToken cancellationToken) =>
        ListAsync<BackupManifest>(store, BackupKind.Postgres, filter, cancellationToken);

    /// <summary>Lists valid backups of a kind newest first and reports leftovers and anomalies separately.</summary>
    public static async Task<CatalogListing<TManifest>> ListAsync<TManifest>(IBackupStore store, BackupKind kind, Filter filter, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.LatestOnly)
        {
            // The newest of each source needs the newest manifest of each, not every manifest.
            var newest = await ListNewestAsync<TManifest>(store, kind, filter.Database, static _ => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
            return newest with { Backups = [.. newest.Backups.Where(b => filter.Since is null || b.Manifest.StartedUtc >= filter.Since)] };
        }

        // The same reads as a streamed listing (CatalogStream.cs), kept whole: prune, retention and restores need them all.
        var backups = new List<CatalogEntry<TManifest>>();
        var leftovers = new List<BackupLeftover>();
        var anomalies = new List<CatalogAnomaly>();
        await foreach (var item in StreamAsync<TManifest>(store, kind, filter, cancellationToken).ConfigureAwait(false))
        {
            if (item.Backup is not null)
            {
                backups.Add(item.Backup);
            }

            if (item.Leftover is not null)
            {
                leftovers.Add(item.Leftover);
            }

            if (item.Anomaly is not null)
            {
                anomalies.Add(item.Anomaly);
            }
        }

        return new CatalogListing<TManifest>(
            [.. backups.OrderByDescending(b => b.Manifest.StartedUtc).ThenByDescending(b => b.BackupId, StringComparer.Ordinal)],
            [.. leftovers.DistinctBy(l => l.Key).OrderBy(l => l.Key, StringComparer.Ordinal)])
        {
            Anomalies = [.. anomalies.OrderBy(a => a.Key, StringComparer.Ordinal)],
        };
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
        CatalogAnomaly? misplaced = null;
        foreach (var manifest in ManifestsNewestFirst(objects).Where(m => BackupKeys.BackupIdOf(m.Key) == id))
        {
            var read = await ReadAsync<TManifest>(store, kind, manifest, objects, cancellationToken).ConfigureAwait(false);
            if (read.Entry is not null && (database is null || read.Entry.Database == database))
            {
                return read.Entry;
            }

            misplaced ??= read.Anomaly;
        }

        throw new BackupOpsException(
            BackupOpsErrorKind.NotFound,
            "BackupNotFound",
            misplaced is not null
                ? $"'{id}' in {store.Display} is not a valid backup: {misplaced.Description}"
                : objects.Keys.Any(k => k.Contains(id, StringComparison.Ordinal))
                    ? $"'{id}' in {store.Display} is not a valid backup (no manifest or incomplete data). Run Get-PgBackup / backupops pg list to see the valid backups."
                    : $"No backup '{id}' in {store.Display}. Run Get-PgBackup / backupops pg list to see the backups there.") { Target = id };
    }

    /// <summary>
    /// The newest valid backup of a source, or a clear error when there is none. Manifests are read newest first and
    /// the search stops at the first valid one not known to be damaged (its verification record says so), so a
    /// restore does not wait for the whole catalog and never picks a backup already proven broken. Skipping one is
    /// never silent: <paramref name="onSkippedDamaged"/> hears which newer backups were passed over and why, so a
    /// restore of an older backup than the operator expects says so (a warning, not an error: docs/reliability.md).
    /// </summary>
    public static async Task<CatalogEntry<TManifest>> FindLatestAsync<TManifest>(IBackupStore store, BackupKind kind, string source, CancellationToken cancellationToken, Action<string>? onSkippedDamaged = null)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        var objects = await ListObjectsAsync(store, BackupKeys.SourcePrefix(kind, source), cancellationToken).ConfigureAwait(false);
        var damaged = await Verification.VerificationRecords.ListFailedAsync(store, kind, source, cancellationToken).ConfigureAwait(false);
        var skipped = new List<string>();
        foreach (var manifest in ManifestsNewestFirst(objects))
        {
            var read = await ReadAsync<TManifest>(store, kind, manifest, objects, cancellationToken).ConfigureAwait(false);
            if (read.Entry is null || read.Entry.Database != source)
            {
                continue;
            }

            if (damaged.TryGetValue(read.Entry.BackupId, out var failed) && await Verification.VerificationRecords.StillAppliesAsync(store, failed, read.Entry, cancellationToken).ConfigureAwait(false))
            {
                skipped.Add($"{read.Entry.BackupId} (recorded damaged {failed.WrittenUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC)");
                continue;
            }

            if (skipped.Count > 0)
            {
                onSkippedDamaged?.Invoke($"The newest {kind.Name} backup{(skipped.Count > 1 ? "s" : string.Empty)} of '{source}' {(skipped.Count > 1 ? "are" : "is")} damaged and skipped: {string.Join(", ", skipped.Take(3))}{(skipped.Count > 3 ? $" and {skipped.Count - 3} more" : string.Empty)}. Restoring the older backup {read.Entry.BackupId} ({read.Entry.Manifest.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC) instead: data written since then is not in it.");
            }

            return read.Entry;
        }

        throw new BackupOpsException(BackupOpsErrorKind.NotFound, "NoBackupFound", $"There is no valid {kind.Name} backup of '{source}' in {store.Display}{(damaged.Count > 0 ? $" ({damaged.Count} found damaged)" : string.Empty)}. Check the store and the name (list them first).") { Target = source };
    }

    /// <summary>The source a key lies under (<c>pg/&lt;source&gt;/...</c>), or null for a key outside any source.</summary>
    public static string? DatabaseOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts.Length >= 3 ? Uri.UnescapeDataString(parts[1]) : null;
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
            .Where(o => o.LinkTarget is null && o.Key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal))
            .OrderByDescending(o => BackupKeys.BackupIdOf(o.Key), StringComparer.Ordinal);

    /// <summary>One manifest checked against the listing: a valid backup, a leftover, an anomaly, or nothing (deleted meanwhile).</summary>
    private static async Task<CatalogRead<TManifest>> ReadAsync<TManifest>(IBackupStore store, BackupKind kind, StoreObject manifestObject, Dictionary<string, StoreObject> objects, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        TManifest manifest;
        try
        {
            var bytes = await store.TryGetSmallAsync(manifestObject.Key, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return new CatalogRead<TManifest>(null, null, null, null);
            }

            manifest = ManifestSerializer.Deserialize<TManifest>(bytes, manifestObject.Key);
        }
        catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.IntegrityFailed)
        {
            return new CatalogRead<TManifest>(null, new BackupLeftover(manifestObject.Key, DatabaseOf(manifestObject.Key), manifestObject.Size, manifestObject.LastModifiedUtc, ex.Message, null), null, null);
        }

        if (Misplaced(kind, manifestObject.Key, manifest) is { } why)
        {
            // It concerns the folder it lies in, the source it claims and the one its data key points into; the data
            // it names counts as claimed, so it is never offered for removal as "data without a manifest".
            var sources = SourcesOf(manifestObject.Key).Concat(SourcesOf(manifest.DataKey)).Append(manifest.Database).Distinct(StringComparer.Ordinal).ToList();
            return new CatalogRead<TManifest>(null, null, new CatalogAnomaly(manifestObject.Key, sources, manifest.DataKey, why), manifest.DataKey);
        }

        if (!objects.TryGetValue(manifest.DataKey, out var data) || data.LinkTarget is not null)
        {
            return new CatalogRead<TManifest>(null, new BackupLeftover(manifestObject.Key, manifest.Database, manifestObject.Size, manifestObject.LastModifiedUtc, "manifest without its data object", null), null, null);
        }

        // A data object of another size than its manifest says is a damaged backup, not a leftover: the manifest is written
        // last, so the data was complete when it was; listed, it is proven damaged by prune, verify and restore, and
        // status reports it (as a leftover it read as "not a backup", status stayed Healthy and prune removed the evidence).
        return new CatalogRead<TManifest>(new CatalogEntry<TManifest>(store.Display, manifest, manifestObject.Key) { DataObject = data }, null, null, data.Key);
    }

    /// <summary>Why a manifest is not in its own place, or null when it is.</summary>
    private static string? Misplaced(BackupKind kind, string key, IBackupManifest manifest)
    {
        if (string.IsNullOrEmpty(manifest.BackupId) || string.IsNullOrEmpty(manifest.Database) || string.IsNullOrEmpty(manifest.DataKey))
        {
            return $"{key} lacks a backup id, source or data key; it is not a BackupOps manifest.";
        }

        if (!string.Equals(manifest.Kind, kind.Name, StringComparison.Ordinal))
        {
            return $"{key} describes a {manifest.Kind} backup but lies under {kind.Prefix}; it was moved or copied there.";
        }

        var ownPrefix = BackupKeys.SourcePrefix(kind, manifest.Database);
        var ownKey = BackupKeys.ManifestKey(kind, manifest.Database, manifest.BackupId);
        if (!string.Equals(key, ownKey, StringComparison.Ordinal))
        {
            return $"{key} describes backup {manifest.BackupId} of '{manifest.Database}', whose own place is {ownKey}: a copy or a moved file, not a second backup.";
        }

        var data = manifest.DataKey;
        return data.StartsWith(ownPrefix, StringComparison.Ordinal) && !data[ownPrefix.Length..].Contains('/', StringComparison.Ordinal) && BackupKeys.BackupIdOf(data) == manifest.BackupId
            ? null
            : $"{key} names the data object {data}, outside its own place {ownPrefix}{manifest.BackupId}.*: an edited or foreign manifest.";
    }

    private static List<string> SourcesOf(string? key) => key is not null && DatabaseOf(key) is { } source ? [source] : [];

    private sealed record CatalogRead<TManifest>(CatalogEntry<TManifest>? Entry, BackupLeftover? Leftover, CatalogAnomaly? Anomaly, string? DataKey)
        where TManifest : class, IBackupManifest;
}
