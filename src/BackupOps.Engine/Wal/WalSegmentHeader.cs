using System.Buffers.Binary;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Wal;

/// <summary>
/// The long page header at the start of every WAL segment (XLogLongPageHeaderData): the page magic (one per
/// PostgreSQL major version), the page's address, and the cluster's system identifier and segment size. Checking
/// it on push catches a file that is not a segment, a segment under the wrong name, and another cluster's WAL.
/// </summary>
/// <param name="Magic">xlp_magic.</param>
/// <param name="PageAddress">xlp_pageaddr: the LSN of the segment's first byte.</param>
/// <param name="SystemIdentifier">xlp_sysid: the cluster's identity, the same in pg_control.</param>
/// <param name="SegmentSize">xlp_seg_size.</param>
public sealed record WalSegmentHeader(ushort Magic, ulong PageAddress, ulong SystemIdentifier, int SegmentSize)
{
    private const ushort LongHeaderFlag = 0x0002;

    /// <summary>Bytes needed to read the header.</summary>
    public const int Length = 40;

    /// <summary>Reads and checks the header of the segment <paramref name="name"/>.</summary>
    public static WalSegmentHeader Read(ReadOnlySpan<byte> segment, WalFileName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (segment.Length < Length)
        {
            throw Damaged(name, $"it is {segment.Length} bytes long");
        }

        var magic = BinaryPrimitives.ReadUInt16LittleEndian(segment);
        var info = BinaryPrimitives.ReadUInt16LittleEndian(segment[2..]);
        var pageAddress = BinaryPrimitives.ReadUInt64LittleEndian(segment[8..]);
        var systemIdentifier = BinaryPrimitives.ReadUInt64LittleEndian(segment[24..]);
        var segmentSize = BinaryPrimitives.ReadInt32LittleEndian(segment[32..]);
        if ((magic & 0xFF00) != 0xD100 || (info & LongHeaderFlag) == 0)
        {
            throw Damaged(name, "its first page has no WAL segment header");
        }

        if (segmentSize <= 0 || (segmentSize & (segmentSize - 1)) != 0 || segment.Length != segmentSize)
        {
            throw Damaged(name, $"it is {segment.Length} bytes but its header says segments are {segmentSize} bytes");
        }

        var header = new WalSegmentHeader(magic, pageAddress, systemIdentifier, segmentSize);
        var expected = name.SegmentNumber(segmentSize) * (ulong)segmentSize;
        return pageAddress == expected
            ? header
            : throw Damaged(name, $"its header holds WAL from {WalFileName.FormatLsn(pageAddress)}, not {WalFileName.FormatLsn(expected)} as its name says");
    }

    private static BackupOpsException Damaged(WalFileName name, string why) =>
        new(BackupOpsErrorKind.InvalidInput, "WalSegmentInvalid", $"{name.Name} is not a WAL segment PostgreSQL wrote: {why}. Nothing was archived; check that archive_command passes %p.") { Target = name.Name };
}
