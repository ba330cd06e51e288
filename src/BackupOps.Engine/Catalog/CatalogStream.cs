using System.Runtime.CompilerServices;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Catalog;

/// <summary>
/// The catalog read lazily (issue #16: a full listing that does not read every manifest before it shows the first).
/// Newest first needs the whole key listing (S3 lists keys in ascending order only; one request per 1,000 keys), but
/// manifests are read only for the rows the caller takes: a window of <see cref="ManifestReadConcurrency"/> reads runs
/// ahead in order (never more than the rows a <see cref="Filter.Limit"/> still needs), a <see cref="Filter.Since"/>
/// bound stops at the first older id, and a caller that stops early (disposes the enumerator or cancels) cancels the
/// reads in flight and waits for them, so no request outlives the listing.
/// </summary>
public static partial class BackupCatalog
{
    /// <summary>
    /// Streams the backups of a kind, newest first by backup id (the UTC start time to the millisecond), with the
    /// leftovers and anomalies found on the way (see <see cref="CatalogItem{TManifest}"/>).
    /// </summary>
    public static async IAsyncEnumerable<CatalogItem<TManifest>> StreamAsync<TManifest>(IBackupStore store, BackupKind kind, Filter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Limit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter.Limit, "A limit counts backups: 1 or more.");
        }

        if (filter.LatestOnly)
        {
            // Bounded already: one accepted manifest per source.
            var newest = await ListNewestAsync<TManifest>(store, kind, filter.Database, static _ => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
            var selected = newest.Backups
                .Where(b => filter.Since is null || b.Manifest.StartedUtc >= filter.Since)
                .OrderByDescending(b => b.BackupId, StringComparer.Ordinal)
                .Take(filter.Limit ?? int.MaxValue);
            foreach (var backup in selected)
            {
                yield return new CatalogItem<TManifest>(backup, null, null);
            }

            foreach (var leftover in newest.Leftovers)
            {
                yield return new CatalogItem<TManifest>(null, leftover, null);
            }

            foreach (var anomaly in newest.Anomalies)
            {
                yield return new CatalogItem<TManifest>(null, null, anomaly);
            }

            yield break;
        }

        var prefix = filter.Database is null ? kind.Prefix : BackupKeys.SourcePrefix(kind, filter.Database);
        var objects = await ListObjectsAsync(store, prefix, cancellationToken).ConfigureAwait(false);
        var manifests = ManifestsNewestFirst(objects).ToList();
        var claimed = new HashSet<string>(manifests.SelectMany(m => new[] { m.Key, Signing.ManifestSignatures.KeyOf(m.Key) }), StringComparer.Ordinal);
        var toRead = filter.Since is { } since ? manifests.TakeWhile(m => IdTimeOf(m.Key) >= WholeMilliseconds(since)).ToList() : manifests;
        var judged = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var produced = 0;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<(StoreObject Manifest, Task<CatalogRead<TManifest>> Read)>();
        var next = 0;
        try
        {
            while (filter.Limit is not { } reached || produced < reached)
            {
                // Reads that finished before a cancel would still return rows: a cancelled listing stops at once.
                cancellationToken.ThrowIfCancellationRequested();
                var window = filter.Limit is { } limit ? Math.Min(ManifestReadConcurrency, limit - produced) : ManifestReadConcurrency;
                while (pending.Count < window && next < toRead.Count)
                {
                    var manifest = toRead[next++];
                    pending.Enqueue((manifest, ReadAsync<TManifest>(store, kind, manifest, objects, reading.Token)));
                }

                if (!pending.TryDequeue(out var head))
                {
                    break;
                }

                var read = await head.Read.ConfigureAwait(false);
                judged.Add(head.Manifest.Key);
                if (read.DataKey is not null)
                {
                    claimed.Add(read.DataKey);
                }

                if (read.Leftover is not null)
                {
                    reported.Add(read.Leftover.Key);
                    yield return new CatalogItem<TManifest>(null, read.Leftover, null);
                }

                if (read.Anomaly is not null)
                {
                    yield return new CatalogItem<TManifest>(null, null, read.Anomaly);
                }

                if (read.Entry is { } entry && (filter.Database is null || entry.Database == filter.Database) && (filter.Since is null || entry.Manifest.StartedUtc >= filter.Since))
                {
                    produced++;
                    yield return new CatalogItem<TManifest>(entry, null, null);
                }
            }
        }
        finally
        {
            await StopReadsAsync(reading, pending.Select(p => p.Read)).ConfigureAwait(false);
        }

        var (leftovers, anomalies) = KeyOnlyJudgement.Judge(objects, claimed, judged, reported);
        foreach (var write in await store.ListIncompleteWritesAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            leftovers.Add(new BackupLeftover(write.Key, DatabaseOf(write.Key), 0, write.StartedUtc, write.Description, write));
        }

        foreach (var leftover in leftovers.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            yield return new CatalogItem<TManifest>(null, leftover, null);
        }

        foreach (var anomaly in anomalies.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            yield return new CatalogItem<TManifest>(null, null, anomaly);
        }
    }

    // Reads the caller will never see: cancelled, and awaited so none is still talking to the store afterwards.
    private static async Task StopReadsAsync<TRead>(CancellationTokenSource reading, IEnumerable<Task<TRead>> inFlight)
    {
        var reads = inFlight.ToList();
        if (reads.Count == 0)
        {
            return;
        }

        await reading.CancelAsync().ConfigureAwait(false);
        foreach (var read in reads)
        {
            try
            {
                await read.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or Errors.BackupOpsException)
            {
                // Its result was not wanted; a failure of a read nobody waits for is not the listing's error.
            }
        }
    }

    private static DateTimeOffset? IdTimeOf(string key) => BackupKeys.BackupIdOf(key) is { } id ? BackupKeys.StartedUtcOf(id) : null;

    // Ids hold the start time to the millisecond: a bound inside a millisecond must not cut a backup that started in it.
    private static DateTimeOffset WholeMilliseconds(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
