using System.Buffers.Binary;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tests.Servers;
using BackupOps.Engine.Wal;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Push and fetch against a folder store with segments built to PostgreSQL's header layout: age, identity, the spool.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalArchiveTests
{
    private const int Size = WalFileName.DefaultSegmentSize;

    [Fact]
    public async Task Encrypted_wal_round_trips_and_another_clusters_wal_is_refused()
    {
        using var store = new TempFolder();
        using var work = new TempFolder();
        var name = "000000010000000000000007";
        var segment = Path.Combine(work.Path, name);
        await File.WriteAllBytesAsync(segment, Segment(name, systemIdentifier: 7714300000000000001));
        var options = new WalPushOptions { Cluster = "enc", Store = store.Path, AgeRecipients = [AgeKeys.Shared.Recipient] };

        var pushed = await WalPushEngine.PushAsync(segment, options, CancellationToken.None);
        Assert.Equal("archived", pushed.Outcome);
        Assert.EndsWith(".zst.age", pushed.Key, StringComparison.Ordinal);
        var stored = await File.ReadAllBytesAsync(Path.Combine(store.Path, pushed.Key!));
        Assert.Equal(-1, stored.AsSpan().IndexOf(File.ReadAllBytes(segment).AsSpan(Size / 2, 64)));

        var destination = Path.Combine(work.Path, "pg_wal", "RECOVERYXLOG");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var missingIdentity = await Assert.ThrowsAsync<BackupOpsException>(() => WalFetchEngine.FetchAsync(name, destination, new WalFetchOptions { Cluster = "enc", Store = store.Path }, CancellationToken.None));
        Assert.Equal("WalIdentityMissing", missingIdentity.ErrorId);
        var fetched = await WalFetchEngine.FetchAsync(name, destination, new WalFetchOptions { Cluster = "enc", Store = store.Path, IdentityFile = AgeKeys.Shared.IdentityFile }, CancellationToken.None);
        Assert.True(fetched.Found);
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(destination));
        Assert.False((await WalFetchEngine.FetchAsync("000000010000000000000008", destination, new WalFetchOptions { Cluster = "enc", Store = store.Path }, CancellationToken.None)).Found);

        // The same cluster name from another server (another system identifier): refused, nothing written.
        var other = Path.Combine(work.Path, "000000010000000000000008");
        await File.WriteAllBytesAsync(other, Segment("000000010000000000000008", systemIdentifier: 7714300000000000999));
        var refused = await Assert.ThrowsAsync<BackupOpsException>(() => WalPushEngine.PushAsync(other, options, CancellationToken.None));
        Assert.Equal("WalSystemIdMismatch", refused.ErrorId);
        Assert.Single(Directory.GetFiles(Path.Combine(store.Path, "wal", "enc", "0000000100000000")));

        // A file renamed to another segment's name is not that segment.
        var renamed = Path.Combine(work.Path, "000000010000000000000009");
        File.Copy(segment, renamed);
        Assert.Equal("WalSegmentInvalid", (await Assert.ThrowsAsync<BackupOpsException>(() => WalPushEngine.PushAsync(renamed, options, CancellationToken.None))).ErrorId);
    }

    [Fact]
    public async Task The_async_spool_is_private_and_a_full_spool_makes_push_fail()
    {
        using var store = new TempFolder();
        using var work = new TempFolder();
        var spool = Path.Combine(work.Path, "spool");
        var launched = 0;
        WalSpool.WorkerLauncher = _ => Interlocked.Increment(ref launched);
        var options = new WalPushOptions { Cluster = "spool", Store = store.Path, SpoolDirectory = spool, SpoolMaxBytes = Size + 1 };
        var first = Path.Combine(work.Path, "000000010000000000000001");
        await File.WriteAllBytesAsync(first, Segment("000000010000000000000001", 42));
        Assert.Equal("spooled", (await WalPushEngine.PushAsync(first, options, CancellationToken.None)).Outcome);
        Assert.Equal("already-spooled", (await WalPushEngine.PushAsync(first, options, CancellationToken.None)).Outcome);
        Assert.True(launched >= 1);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(spool));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(spool, "queue", "000000010000000000000001")));

        // Nothing drains it (no worker ran): the next segment is refused, so PostgreSQL keeps it and retries.
        var second = Path.Combine(work.Path, "000000010000000000000002");
        await File.WriteAllBytesAsync(second, Segment("000000010000000000000002", 42));
        Assert.Equal("WalSpoolFull", (await Assert.ThrowsAsync<BackupOpsException>(() => WalPushEngine.PushAsync(second, options, CancellationToken.None))).ErrorId);

        // The worker drains it into the store and exits when idle.
        Assert.True(await WalPushWorker.RunAsync(options, TimeSpan.FromMilliseconds(300), null, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(spool, "queue")));
        Assert.True(File.Exists(Path.Combine(store.Path, "wal", "spool", "0000000100000000", "000000010000000000000001.zst")));
        Assert.Equal("spooled", (await WalPushEngine.PushAsync(second, options, CancellationToken.None)).Outcome);
    }

    // A segment as PostgreSQL 15 writes one: the long page header, then (here) random WAL-sized content.
    private static byte[] Segment(string name, ulong systemIdentifier)
    {
        var bytes = new byte[Size];
        Random.Shared.NextBytes(bytes.AsSpan(64, 1 << 20));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0xD110);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 0x0002);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), WalFileName.SegmentNumberOf(name, Size) * Size);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), systemIdentifier);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(32), Size);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(36), 8192);
        return bytes;
    }
}
