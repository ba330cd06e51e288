using System.Globalization;
using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Restore;

/// <summary>
/// A parallel restore that starts while the archive is still downloading. <c>pg_restore --jobs</c> needs the whole
/// archive on disk first, so a download followed by it costs download + restore. Instead, each section runs as
/// soon as its bytes can arrive: the table of contents and the pre-data DDL from the head of the stream; the
/// table data split over N stream-fed pg_restore processes (each reads the archive from the start and skips
/// the tables it does not own; sizes from the manifest balance them); and, once the archive is complete and its
/// SHA-256 proven, post-data (indexes, constraints) with <c>--jobs N</c> from the file.
/// </summary>
internal static class StagedParallelRestore
{
    public static async Task RunAsync(
        PgRestoreInvocation pgRestore,
        GrowingFile archive,
        Func<Task> waitForVerifiedArchive,
        int jobs,
        IReadOnlyList<TableRowInfo> tableSizes,
        string workDirectory,
        CancellationToken cancellationToken)
    {
        var toc = await pgRestore.RunFromStreamAsync(["--list"], archive.OpenReader(), "Reading the table of contents", cancellationToken).ConfigureAwait(false);
        await pgRestore.RunFromStreamAsync(["--section=pre-data"], archive.OpenReader(), "Restoring the schema", cancellationToken).ConfigureAwait(false);

        var lists = SplitTableData(toc, jobs, tableSizes);
        using (var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var workers = lists.Select(async (list, i) =>
            {
                var listFile = Path.Combine(workDirectory, $"data-{i.ToString(CultureInfo.InvariantCulture)}.list");
                await Wal.PrivateFiles.WriteAllTextAsync(listFile, string.Join('\n', list) + "\n", failFast.Token).ConfigureAwait(false);
                try
                {
                    await pgRestore.RunFromStreamAsync(["--section=data", $"--use-list={listFile}"], archive.OpenReader(), "Restoring table data", failFast.Token).ConfigureAwait(false);
                }
                catch
                {
                    // One worker failing dooms the restore: stop the others instead of loading data for nothing.
                    await failFast.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }).ToList();
            await WhenAllFirstErrorAsync(workers).ConfigureAwait(false);
        }

        await waitForVerifiedArchive().ConfigureAwait(false);
        await pgRestore.RunAsync(["--section=post-data", $"--jobs={jobs.ToString(CultureInfo.InvariantCulture)}", archive.FilePath], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One use-list per worker, each in archive order (a stream can only be read forward). TABLE DATA entries are
    /// spread largest first onto the least-loaded worker; every other entry goes to the first list, where
    /// <c>--section=data</c> keeps only the data ones (sequence values, large objects).
    /// </summary>
    internal static List<List<string>> SplitTableData(string toc, int jobs, IReadOnlyList<TableRowInfo> tableSizes)
    {
        var sizes = tableSizes
            .GroupBy(t => t.Name.Replace("\"", string.Empty, StringComparison.Ordinal), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Bytes ?? 0, StringComparer.Ordinal);
        var entries = toc.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith(';')).ToList();
        var tableData = entries
            .Select((line, index) => (line, index, size: TableDataSize(line, sizes)))
            .Where(e => e.size is not null)
            .ToList();
        var workers = Math.Max(1, Math.Min(jobs, tableData.Count));
        var owner = new int[entries.Count];
        var load = new long[workers];
        var counts = new int[workers];
        foreach (var (_, index, size) in tableData.OrderByDescending(e => e.size).ThenBy(e => e.index))
        {
            var target = Enumerable.Range(0, workers).OrderBy(w => load[w]).ThenBy(w => counts[w]).First();
            owner[index] = target;
            load[target] += size!.Value;
            counts[target]++;
        }

        return [.. Enumerable.Range(0, workers).Select(w => entries.Where((_, i) => owner[i] == w).ToList())];
    }

    private static long? TableDataSize(string line, Dictionary<string, long> sizes)
    {
        // "3369; 0 16392 TABLE DATA public attendees postgres": schema, name, owner after the type.
        const string Marker = " TABLE DATA ";
        var at = line.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var parts = line[(at + Marker.Length)..].Split(' ');
        return parts.Length >= 2 && sizes.TryGetValue($"{parts[0]}.{parts[1]}", out var size) ? size : 0;
    }

    private static async Task WhenAllFirstErrorAsync(List<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Report the worker that failed, not the ones it cancelled.
            var failed = tasks.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException);
            if (failed is not null)
            {
                await failed.ConfigureAwait(false);
            }

            throw;
        }
    }
}
