using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>A damaged archived file.</summary>
/// <param name="Name">The WAL file.</param>
/// <param name="Problem">What is wrong.</param>
public sealed record WalDamage(string Name, string Problem);

/// <summary>What <c>wal verify</c> found.</summary>
public sealed record WalVerifyReport
{
    /// <summary>The cluster.</summary>
    public required string Cluster { get; init; }

    /// <summary>The timeline the walk ended on.</summary>
    public required uint Timeline { get; init; }

    /// <summary>Segments walked (from the oldest retained base backup to the newest segment).</summary>
    public required int Segments { get; init; }

    /// <summary>Segments read and proven against their SHA-256 (0 with --no-read).</summary>
    public required int Verified { get; init; }

    /// <summary>Missing segments as ranges.</summary>
    public required IReadOnlyList<string> Gaps { get; init; }

    /// <summary>Damaged files.</summary>
    public required IReadOnlyList<WalDamage> Damaged { get; init; }

    /// <summary>Base backups considered, oldest first.</summary>
    public required IReadOnlyList<string> BaseBackups { get; init; }

    /// <summary>The earliest moment a restore can reach (the end of the oldest base backup whose WAL is whole), or null.</summary>
    public DateTimeOffset? RecoverableFromUtc { get; init; }

    /// <summary>The latest moment a restore can reach (the archive time of the last segment before any gap or damage), or null.</summary>
    public DateTimeOffset? RecoverableToUtc { get; init; }

    /// <summary>The last segment before any gap or damage.</summary>
    public string? LastRecoverableSegment { get; init; }

    /// <summary>True when nothing is missing or damaged and there is a recoverable window.</summary>
    public bool Succeeded => Gaps.Count == 0 && Damaged.Count == 0 && RecoverableFromUtc is not null;
}

/// <summary>
/// <c>wal verify</c>: walks the archive from the oldest base backup to the newest segment along the timelines, checks
/// every segment is there, reads each one through its SHA-256 (both the stored body and the restored file), and
/// reports the window a restore can actually reach.
/// </summary>
public static class WalVerifier
{
    /// <summary>Verifies the archive of <paramref name="cluster"/>.</summary>
    public static async Task<WalVerifyReport> VerifyAsync(IBackupStore store, string cluster, bool read, string? identityFile, int parallel, IProgress<Progress.OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var archive = new WalArchive(store, cluster);
        var chain = await WalChain.LoadAsync(archive, identityFile, cancellationToken).ConfigureAwait(false);
        var backups = (await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, new BackupCatalog.Filter(cluster), cancellationToken).ConfigureAwait(false)).Backups
            .OrderBy(b => b.Manifest.StopTimeUtc).ToList();
        if (backups.Count == 0)
        {
            throw new BackupOpsException(BackupOpsErrorKind.NotFound, "NoBaseBackupFound", $"There is no valid base backup of '{cluster}' in {store.Display}, so no WAL is recoverable yet. Take one with Invoke-PgBaseBackup / 'backupops pg basebackup --cluster {cluster}'.") { Target = cluster };
        }

        var oldest = backups[0].Manifest;
        var walk = chain.Walk(oldest.Timeline, WalFileName.ParseLsn(oldest.StartLsn), oldest.StopWalSegment, null);
        var damaged = new List<WalDamage>();
        var verified = 0;
        if (read)
        {
            var present = walk.Segments.Where(s => s.Entry is not null).Select(s => s.Entry!).Concat(chain.Entries.Where(e => e.Name.Kind == WalFileKind.History)).ToList();
            var gate = new object();
            await Parallel.ForEachAsync(present, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellationToken }, async (entry, token) =>
            {
                try
                {
                    _ = await archive.ReadAsync(entry, identityFile, token).ConfigureAwait(false);
                    lock (gate)
                    {
                        verified++;
                    }
                }
                catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.IntegrityFailed)
                {
                    lock (gate)
                    {
                        damaged.Add(new WalDamage(entry.Name.Name, ex.Message));
                    }
                }

                progress?.Report(new Progress.OperationProgress($"Verifying WAL of {cluster}", entry.Name.Name, verified, present.Count, 0));
            }).ConfigureAwait(false);
        }

        var bad = new HashSet<string>(damaged.Select(d => d.Name).Concat(walk.Missing), StringComparer.Ordinal);
        var good = walk.Segments.TakeWhile(s => s.Entry is not null && !bad.Contains(s.Name)).Select(s => s.Entry!).ToList();
        var goodNames = new HashSet<string>(good.Select(g => g.Name.Name), StringComparer.Ordinal);

        // The window starts at the oldest base backup whose own WAL (start to stop) is whole and unbroken up to the end.
        var firstBad = walk.Segments.FirstOrDefault(s => bad.Contains(s.Name)).Name;
        var usable = backups.FirstOrDefault(b => goodNames.Contains(b.Manifest.StopWalSegment) || (firstBad is not null && string.CompareOrdinal(b.Manifest.StartWalSegment[8..], firstBad[8..]) > 0 && AfterGapWhole(chain, b.Manifest)));
        var tail = usable is null ? [] : goodNames.Contains(usable.Manifest.StopWalSegment) ? good
            : chain.Walk(usable.Manifest.Timeline, WalFileName.ParseLsn(usable.Manifest.StartLsn), usable.Manifest.StopWalSegment, null).Contiguous.Where(e => !bad.Contains(e.Name.Name)).ToList();
        var last = tail.Count > 0 ? tail[^1] : null;
        return new WalVerifyReport
        {
            Cluster = cluster,
            Timeline = walk.Timeline,
            Segments = walk.Segments.Count,
            Verified = verified,
            Gaps = walk.Missing.Count == 0 ? [] : [.. WalChainWalk.DescribeGaps(walk.Missing, chain.Identity.WalSegmentSize).Split(", ")],
            Damaged = [.. damaged.OrderBy(d => d.Name, StringComparer.Ordinal)],
            BaseBackups = [.. backups.Select(b => b.BackupId)],
            RecoverableFromUtc = usable?.Manifest.StopTimeUtc,
            RecoverableToUtc = last?.ArchivedUtc,
            LastRecoverableSegment = last?.Name.Name,
        };
    }

    private static bool AfterGapWhole(WalChain chain, BaseBackupManifest backup) =>
        chain.Walk(backup.Timeline, WalFileName.ParseLsn(backup.StartLsn), backup.StopWalSegment, null).Segments
            .TakeWhile(s => string.CompareOrdinal(s.Name[8..], backup.StopWalSegment[8..]) <= 0).All(s => s.Entry is not null);
}
