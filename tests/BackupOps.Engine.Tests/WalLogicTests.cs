using BackupOps.Engine.Errors;
using BackupOps.Engine.Wal;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The WAL rules that need no server: names, timelines, the chain recovery reads, the self-proving object format.</summary>
public sealed class WalLogicTests
{
    private const int Segment = WalFileName.DefaultSegmentSize;

    [Theory]
    [InlineData("000000010000000000000003", WalFileKind.Segment, 1u)]
    [InlineData("00000002.history", WalFileKind.History, 2u)]
    [InlineData("000000010000000000000002.00000028.backup", WalFileKind.BackupHistory, 1u)]
    [InlineData("0000000A0000000100000005.partial", WalFileKind.Partial, 10u)]
    public void Names_postgres_archives_are_recognised(string name, WalFileKind kind, uint timeline)
    {
        var parsed = WalFileName.Parse(name);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(timeline, parsed.Timeline);
        var key = WalArchiveKeys.KeyOf("db1-5432", parsed, WalCodec.Zstd, encrypted: true);
        Assert.Equal(name, WalArchiveKeys.Parse(key)!.Value.Name.Name);
        Assert.True(WalArchiveKeys.Parse(key)!.Value.Encrypted);
    }

    [Theory]
    [InlineData("pg_wal/000000010000000000000003")]
    [InlineData("00000001000000000000000g")]
    [InlineData("RECOVERYXLOG")]
    public void Other_names_are_refused_with_the_fix(string name)
    {
        var error = Assert.Throws<BackupOpsException>(() => WalFileName.Parse(name));
        Assert.Equal("WalFileNameInvalid", error.ErrorId);
        Assert.Contains("%p", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Segment_numbers_roll_over_the_log_id()
    {
        Assert.Equal("0000000100000001000000FF", WalFileName.SegmentFileName(1, 0x1FF, Segment));
        Assert.Equal("000000010000000200000000", WalFileName.SegmentFileName(1, 0x200, Segment));
        Assert.Equal(0x200UL, WalFileName.SegmentNumberOf("000000010000000200000000", Segment));
        Assert.Equal(0x2000028UL, WalFileName.ParseLsn("0/2000028"));
        Assert.Equal("1/A0", WalFileName.FormatLsn(0x1000000A0));
    }

    [Fact]
    public void Recovery_reads_the_old_timeline_up_to_the_switch_and_the_new_one_from_the_switch_segment()
    {
        // Timeline 2 branched from 1 at 0/5000100 (inside segment 5); timeline 3 from 2 at 0/7000000 (a boundary).
        var path = TimelineHistory.PathTo(3, "1\t0/5000100\tno recovery target specified\n2\t0/7000000\tbefore 2026-12-01\n");
        Assert.True(TimelineHistory.Contains(path, 1, 0x3000028));
        Assert.False(TimelineHistory.Contains(path, 1, 0x6000000));
        var segments = TimelineHistory.SegmentsFrom(path, 0x3000028, Segment).Take(7).ToList();
        Assert.Equal(
        [
            "000000010000000000000003", "000000010000000000000004",
            "000000020000000000000005", "000000020000000000000006",
            "000000030000000000000007", "000000030000000000000008", "000000030000000000000009",
        ], segments);
        Assert.Equal("000000010000000000000003..000000010000000000000005, 000000020000000000000007", WalChainWalk.DescribeGaps(["000000010000000000000003", "000000010000000000000004", "000000010000000000000005", "000000020000000000000007"], Segment));
    }

    [Fact]
    public void A_stored_object_proves_itself_and_any_flipped_byte_is_named()
    {
        var original = new byte[Segment];
        Random.Shared.NextBytes(original.AsSpan(0, 1 << 20));
        var sha = WalArchive.Hash(original);
        var stored = WalObjectFormat.Seal(WalObjectFormat.Compress(original, WalCodec.Zstd), WalCodec.Zstd, false, original.Length, sha);
        Assert.True(stored.Length < original.Length / 4);
        var trailer = WalObjectFormat.Open(stored, "000000010000000000000003", out var body);
        Assert.Equal(sha, trailer.OriginalSha256);
        Assert.Equal(original, WalObjectFormat.Restore(body, trailer, "000000010000000000000003"));

        foreach (var position in new[] { 10, stored.Length / 2, stored.Length - 40, stored.Length - 1 })
        {
            var damaged = (byte[])stored.Clone();
            damaged[position] ^= 0x10;
            var error = Assert.Throws<BackupOpsException>(() => WalObjectFormat.Open(damaged, "000000010000000000000003", out _));
            Assert.Equal("WalObjectDamaged", error.ErrorId);
            Assert.Contains("000000010000000000000003", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Archive_timeout_is_sized_from_the_rpo()
    {
        Assert.Equal(300, WalSetup.ArchiveTimeoutSeconds(15));
        Assert.Equal(60, WalSetup.ArchiveTimeoutSeconds(1));
    }
}
