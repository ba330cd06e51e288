using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Wal;

/// <summary>What kind of file PostgreSQL hands to <c>archive_command</c>.</summary>
public enum WalFileKind
{
    /// <summary>A WAL segment: <c>000000010000000000000003</c>.</summary>
    Segment,
    /// <summary>A timeline history file: <c>00000002.history</c>.</summary>
    History,
    /// <summary>A backup history file: <c>000000010000000000000002.00000028.backup</c>.</summary>
    BackupHistory,
    /// <summary>The last, partial segment of an old timeline after a promotion: <c>000000010000000000000005.partial</c>.</summary>
    Partial,
}

/// <summary>
/// A WAL file name as PostgreSQL writes it: timeline (8 hex digits), then for segments the log id and segment
/// (8 hex digits each, the segment being <c>segno % segments-per-log-id</c>).
/// </summary>
/// <param name="Name">The file name.</param>
/// <param name="Kind">What it is.</param>
/// <param name="Timeline">Its timeline.</param>
public sealed record WalFileName(string Name, WalFileKind Kind, uint Timeline)
{
    /// <summary>PostgreSQL's default segment size.</summary>
    public const int DefaultSegmentSize = 16 << 20;

    /// <summary>For segments (and their .partial/.backup relatives): the 24-character segment name.</summary>
    public string SegmentName => Kind == WalFileKind.History ? Name : Name[..24];

    /// <summary>The segment number (LSN / segment size) of a segment-like name.</summary>
    public ulong SegmentNumber(int segmentSize) => SegmentNumberOf(SegmentName, segmentSize);

    /// <summary>Parses a file name, or returns null when PostgreSQL would not archive a file of that name.</summary>
    public static WalFileName? TryParse(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (name.Length == 24 && IsHex(name))
        {
            return new WalFileName(name, WalFileKind.Segment, ParseHex(name[..8]));
        }

        if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsHex(name[..8]))
        {
            return new WalFileName(name, WalFileKind.History, ParseHex(name[..8]));
        }

        if (name.Length == 32 && name.EndsWith(".partial", StringComparison.Ordinal) && IsHex(name[..24]))
        {
            return new WalFileName(name, WalFileKind.Partial, ParseHex(name[..8]));
        }

        if (name.Length == 40 && name.EndsWith(".backup", StringComparison.Ordinal) && IsHex(name[..24]) && name[24] == '.' && IsHex(name[25..33]))
        {
            return new WalFileName(name, WalFileKind.BackupHistory, ParseHex(name[..8]));
        }

        return null;
    }

    /// <summary>Parses a name an operator or PostgreSQL gave, with a clear error when it is not a WAL file name.</summary>
    public static WalFileName Parse(string name) =>
        TryParse(name) ?? throw BackupOpsException.InvalidInput("WalFileNameInvalid", $"'{name}' is not a WAL file name (24 hex digits, or NNNNNNNN.history, .partial, .backup). archive_command passes %p (the path) to 'wal push', restore_command passes %f (the name) to 'wal fetch'.");

    /// <summary>The segment file name for a timeline and segment number.</summary>
    public static string SegmentFileName(uint timeline, ulong segmentNumber, int segmentSize)
    {
        var perLogId = SegmentsPerLogId(segmentSize);
        return string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}{segmentNumber / perLogId:X8}{segmentNumber % perLogId:X8}");
    }

    /// <summary>The history file name of a timeline.</summary>
    public static string HistoryFileName(uint timeline) => string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}.history");

    /// <summary>The segment number of a 24-character segment name.</summary>
    public static ulong SegmentNumberOf(string segmentName, int segmentSize) =>
        ((ulong)ParseHex(segmentName[8..16]) * SegmentsPerLogId(segmentSize)) + ParseHex(segmentName[16..24]);

    /// <summary>Segments per 4 GiB log id (256 for 16 MiB segments).</summary>
    public static ulong SegmentsPerLogId(int segmentSize) => 0x1_0000_0000UL / (ulong)segmentSize;

    /// <summary>Parses an LSN written <c>X/Y</c>.</summary>
    public static ulong ParseLsn(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && uint.TryParse(text[..slash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            && uint.TryParse(text[(slash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)
            ? ((ulong)high << 32) | low
            : throw new FormatException($"'{text}' is not an LSN (X/Y in hex)");
    }

    /// <summary>Writes an LSN as <c>X/Y</c>.</summary>
    public static string FormatLsn(ulong lsn) => string.Create(CultureInfo.InvariantCulture, $"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}");

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigitUpper);

    private static uint ParseHex(string text) => uint.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
