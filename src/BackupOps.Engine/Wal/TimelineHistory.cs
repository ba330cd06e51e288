using System.Globalization;

namespace BackupOps.Engine.Wal;

/// <summary>One stretch of a timeline's ancestry: WAL of <paramref name="Timeline"/> from <paramref name="BeginLsn"/> up to <paramref name="EndLsn"/>.</summary>
/// <param name="Timeline">The timeline.</param>
/// <param name="BeginLsn">Where it begins (0 for timeline 1).</param>
/// <param name="EndLsn">Where the next timeline branched off (ulong.MaxValue for the last).</param>
public sealed record TimelineStretch(uint Timeline, ulong BeginLsn, ulong EndLsn);

/// <summary>Timeline history files (<c>00000003.history</c>: "parent switchpoint reason" per line) and the path they describe.</summary>
public static class TimelineHistory
{
    /// <summary>The path from the first timeline to <paramref name="timeline"/>, from that timeline's history file (null for timeline 1).</summary>
    public static IReadOnlyList<TimelineStretch> PathTo(uint timeline, string? historyText)
    {
        var stretches = new List<TimelineStretch>();
        ulong begin = 0;
        foreach (var line in (historyText ?? string.Empty).Split('\n'))
        {
            var fields = line.Trim().Split((char[])['\t', ' '], 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0].StartsWith('#') || !uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
            {
                continue;
            }

            var switchPoint = WalFileName.ParseLsn(fields[1]);
            stretches.Add(new TimelineStretch(parent, begin, switchPoint));
            begin = switchPoint;
        }

        stretches.Add(new TimelineStretch(timeline, begin, ulong.MaxValue));
        return stretches;
    }

    /// <summary>True when a backup taken on <paramref name="timeline"/> at <paramref name="lsn"/> can be recovered along <paramref name="path"/>.</summary>
    public static bool Contains(IReadOnlyList<TimelineStretch> path, uint timeline, ulong lsn)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.Any(s => s.Timeline == timeline && lsn >= s.BeginLsn && lsn < s.EndLsn);
    }

    /// <summary>
    /// The segments recovery reads along <paramref name="path"/> from <paramref name="fromLsn"/> onwards, in order: on
    /// each timeline up to the segment before the switch point (that segment is read from the new timeline, which
    /// holds a copy of its first part), lazily, without end on the last timeline.
    /// </summary>
    public static IEnumerable<string> SegmentsFrom(IReadOnlyList<TimelineStretch> path, ulong fromLsn, int segmentSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        var size = (ulong)segmentSize;
        var next = fromLsn / size;
        foreach (var stretch in path)
        {
            if (stretch.EndLsn != ulong.MaxValue && stretch.EndLsn <= fromLsn)
            {
                continue;
            }

            if (stretch.EndLsn != ulong.MaxValue && stretch.EndLsn / size == 0)
            {
                continue;
            }

            var last = stretch.EndLsn == ulong.MaxValue ? ulong.MaxValue - 1 : (stretch.EndLsn / size) - 1;
            for (; next <= last; next++)
            {
                yield return WalFileName.SegmentFileName(stretch.Timeline, next, segmentSize);
            }
        }
    }
}
