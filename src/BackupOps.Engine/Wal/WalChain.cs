using System.Text;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Wal;

/// <summary>The WAL a recovery from one base backup reads: in order, with what is archived and what is missing.</summary>
/// <param name="Timeline">The timeline recovery ends on (the newest descending from the backup, as recovery_target_timeline=latest).</param>
/// <param name="Segments">Every segment recovery reads, in order, each with its archived object or null when missing.</param>
/// <param name="ReachedTarget">For a time target: true when a segment archived at or after the target is in the walk.</param>
public sealed record WalChainWalk(uint Timeline, IReadOnlyList<(string Name, WalArchiveEntry? Entry)> Segments, bool ReachedTarget)
{
    /// <summary>Segments that are not archived.</summary>
    public IReadOnlyList<string> Missing => [.. Segments.Where(s => s.Entry is null).Select(s => s.Name)];

    /// <summary>The last archived segment of the walk.</summary>
    public WalArchiveEntry? Last => Segments.LastOrDefault(s => s.Entry is not null).Entry;

    /// <summary>The archived segments before the first gap.</summary>
    public IReadOnlyList<WalArchiveEntry> Contiguous => [.. Segments.TakeWhile(s => s.Entry is not null).Select(s => s.Entry!)];

    /// <summary>Missing segments as ranges: <c>A</c> or <c>A..B</c>.</summary>
    public static string DescribeGaps(IReadOnlyList<string> missing, int segmentSize)
    {
        ArgumentNullException.ThrowIfNull(missing);
        var text = new StringBuilder();
        for (var i = 0; i < missing.Count; i++)
        {
            var j = i;
            while (j + 1 < missing.Count && missing[j + 1][..8] == missing[i][..8]
                && WalFileName.SegmentNumberOf(missing[j + 1], segmentSize) == WalFileName.SegmentNumberOf(missing[j], segmentSize) + 1)
            {
                j++;
            }

            text.Append(text.Length > 0 ? ", " : string.Empty).Append(missing[i]).Append(j > i ? ".." + missing[j] : string.Empty);
            i = j;
        }

        return text.ToString();
    }
}

/// <summary>A cluster's archive as listed once: every object, the timeline histories, and walks over them.</summary>
public sealed class WalChain
{
    private readonly Dictionary<string, WalArchiveEntry> _byName;
    private readonly Dictionary<uint, string> _histories;

    private WalChain(WalArchive archive, WalArchiveIdentity identity, IReadOnlyList<WalArchiveEntry> entries, Dictionary<uint, string> histories)
    {
        Archive = archive;
        Identity = identity;
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name.Name, StringComparer.Ordinal);
        _histories = histories;
    }

    /// <summary>The archive.</summary>
    public WalArchive Archive { get; }

    /// <summary>Its identity.</summary>
    public WalArchiveIdentity Identity { get; }

    /// <summary>Every archived file.</summary>
    public IReadOnlyList<WalArchiveEntry> Entries { get; }

    /// <summary>Timelines that have a history file.</summary>
    public IReadOnlyCollection<uint> HistoryTimelines => _histories.Keys;

    /// <summary>Lists the archive and reads its history files (each verified).</summary>
    public static async Task<WalChain> LoadAsync(WalArchive archive, string? identityFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var identity = await archive.ReadIdentityAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new BackupOpsException(BackupOpsErrorKind.NotFound, "WalArchiveMissing", $"There is no WAL archive for cluster '{archive.Cluster}' in {archive.Store.Display}. Check -Cluster / --cluster and -Store / --store (the archive_command's values).") { Target = archive.Cluster };
        var entries = await archive.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var histories = new Dictionary<uint, string>();
        foreach (var history in entries.Where(e => e.Name.Kind == WalFileKind.History))
        {
            histories[history.Name.Timeline] = Encoding.UTF8.GetString(await archive.ReadAsync(history, identityFile, cancellationToken).ConfigureAwait(false));
        }

        return new WalChain(archive, identity, entries, histories);
    }

    /// <summary>The archived object of a file, or null.</summary>
    public WalArchiveEntry? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The newest timeline a backup on <paramref name="timeline"/> at <paramref name="lsn"/> can recover to, with its path.</summary>
    public (uint Timeline, IReadOnlyList<TimelineStretch> Path) TimelineFor(uint timeline, ulong lsn)
    {
        foreach (var candidate in _histories.Keys.Where(t => t > timeline).OrderDescending())
        {
            var path = TimelineHistory.PathTo(candidate, _histories[candidate]);
            if (TimelineHistory.Contains(path, timeline, lsn))
            {
                return (candidate, path);
            }
        }

        return (timeline, TimelineHistory.PathTo(timeline, _histories.GetValueOrDefault(timeline)));
    }

    /// <summary>
    /// Walks the segments recovery from <paramref name="startLsn"/> on <paramref name="timeline"/> reads: to the last archived
    /// segment of the final timeline, or (with <paramref name="targetUtc"/>) to the first segment past <paramref name="mustReach"/>
    /// that was archived at or after the target — the segment that holds the target's WAL.
    /// </summary>
    public WalChainWalk Walk(uint timeline, ulong startLsn, string mustReach, DateTimeOffset? targetUtc)
    {
        var (final, path) = TimelineFor(timeline, startLsn);
        var lastOnFinal = Entries.Where(e => e.Name.Kind == WalFileKind.Segment && e.Name.Timeline == final).Select(e => e.Name.Name).DefaultIfEmpty(string.Empty).Max(StringComparer.Ordinal)!;
        var walked = new List<(string, WalArchiveEntry?)>();
        var reached = false;
        foreach (var name in TimelineHistory.SegmentsFrom(path, startLsn, Identity.WalSegmentSize))
        {
            var entry = Find(name);
            var onFinal = WalFileName.Parse(name).Timeline == final;
            if (onFinal && string.CompareOrdinal(name, lastOnFinal) > 0 && string.CompareOrdinal(name[8..], mustReach[8..]) > 0)
            {
                break;
            }

            walked.Add((name, entry));
            if (targetUtc is { } target && entry is not null && entry.ArchivedUtc >= target && string.CompareOrdinal(name[8..], mustReach[8..]) >= 0)
            {
                reached = true;
                break;
            }
        }

        return new WalChainWalk(final, walked, reached);
    }
}
