using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>Where <c>wal fetch</c> reads from.</summary>
public sealed record WalFetchOptions
{
    /// <summary>The cluster name.</summary>
    public required string Cluster { get; init; }

    /// <summary>Store spec; null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 settings; null reads the AWS_* variables.</summary>
    public S3StoreOptions? S3 { get; init; }

    /// <summary>age identity file for encrypted archives.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>How many following segments to download along with a requested one (0 for none).</summary>
    public int Prefetch { get; init; } = 8;
}

/// <summary>What a fetch did.</summary>
/// <param name="Name">The requested file.</param>
/// <param name="Found">False when it is not archived (PostgreSQL then tries its other sources or ends recovery).</param>
/// <param name="FromPrefetch">True when an earlier fetch had already downloaded and verified it.</param>
/// <param name="Prefetched">Segments downloaded ahead by this call.</param>
public sealed record WalFetchResult(string Name, bool Found, bool FromPrefetch, int Prefetched);

/// <summary>
/// <c>restore_command</c>: one WAL file out of the archive, proven against the SHA-256 recorded at push before it is
/// handed to PostgreSQL. A miss on a segment downloads the following ones too (in parallel, verified, into
/// <c>pg_wal/.backupops-prefetch/</c>), so recovery pays one round trip per batch instead of per segment.
/// </summary>
public static class WalFetchEngine
{
    /// <summary>The prefetch folder beside the destination (inside pg_wal, which PostgreSQL's cleanup ignores).</summary>
    public const string PrefetchFolder = ".backupops-prefetch";

    /// <summary>Fetches <paramref name="fileName"/> to <paramref name="destination"/>.</summary>
    public static async Task<WalFetchResult> FetchAsync(string fileName, string destination, WalFetchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var name = WalFileName.Parse(fileName);
        var prefetchDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, PrefetchFolder);
        var prefetched = Path.Combine(prefetchDirectory, name.Name);
        if (File.Exists(prefetched))
        {
            File.Move(prefetched, destination, overwrite: true);
            return new WalFetchResult(name.Name, true, true, 0);
        }

        await using var store = StoreLocation.Open(options.Store, options.S3);
        var archive = new WalArchive(store, options.Cluster);
        if (name.Kind != WalFileKind.Segment || options.Prefetch == 0)
        {
            var entry = await archive.FindAsync(name, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                return new WalFetchResult(name.Name, false, false, 0);
            }

            await PrivateFiles.WriteDurablyAsync(destination, await archive.ReadAsync(entry, options.IdentityFile, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return new WalFetchResult(name.Name, true, false, 0);
        }

        // One listing of the segment's folder finds it and the segments after it.
        var folder = await archive.ListAsync(name.Name[..16], cancellationToken).ConfigureAwait(false);
        var byName = folder.Where(e => e.Name.Kind == WalFileKind.Segment).ToDictionary(e => e.Name.Name, StringComparer.Ordinal);
        if (!byName.TryGetValue(name.Name, out var wanted))
        {
            return new WalFetchResult(name.Name, false, false, 0);
        }

        var ahead = byName.Keys.Where(n => string.CompareOrdinal(n, name.Name) > 0).Order(StringComparer.Ordinal).Take(options.Prefetch)
            .Where(n => !File.Exists(Path.Combine(prefetchDirectory, n))).Select(n => byName[n]).ToList();
        var first = archive.ReadAsync(wanted, options.IdentityFile, cancellationToken);
        var rest = ahead.Count == 0 ? Task.CompletedTask : PrefetchAsync(archive, ahead, prefetchDirectory, options.IdentityFile, cancellationToken);
        try
        {
            await PrivateFiles.WriteDurablyAsync(destination, await first.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A prefetch failure only means a later fetch downloads that segment itself (and reports its damage then).
            try
            {
                await rest.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BackupOpsException or IOException)
            {
            }
        }

        RemoveStale(prefetchDirectory, name.Name);
        return new WalFetchResult(name.Name, true, false, ahead.Count);
    }

    private static async Task PrefetchAsync(WalArchive archive, List<WalArchiveEntry> entries, string directory, string? identityFile, CancellationToken cancellationToken)
    {
        PrivateFiles.CreateDirectory(directory);
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (entry, token) =>
        {
            var bytes = await archive.ReadAsync(entry, identityFile, token).ConfigureAwait(false);
            await PrivateFiles.WriteDurablyAsync(Path.Combine(directory, entry.Name.Name), bytes, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    // Segments before the one PostgreSQL asks for now will not be asked for again.
    private static void RemoveStale(string directory, string current)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var fileName = Path.GetFileName(file);
            if (string.CompareOrdinal(fileName, current) < 0 || fileName.StartsWith('.'))
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
