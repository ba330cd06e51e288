using System.Buffers;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace BackupOps.Engine.Compression;

/// <summary>
/// zstd in the data path of logical backups: standard frames with a content checksum (what <c>zstd -d</c> reads and
/// checks), compressed by one zstd worker thread, so on a 2-core host pg_dump and the compressor each get a core
/// while the calling thread only moves bytes (measured in docs/benchmark.md).
/// </summary>
internal static class ZstdStreams
{
    private const int BufferSize = 1 << 20;
    private const int JobSize = 512 * 1024;

    /// <summary>A stream that compresses what is written to it into <paramref name="target"/> (left open). Dispose it to finish the frame.</summary>
    public static CompressionStream Compressing(Stream target, int level)
    {
        var zstd = new CompressionStream(target, level, BufferSize, leaveOpen: true);
        try
        {
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, 1);

            // The worker's jobs at the multi-threaded minimum, 512 KiB, instead of level 1's default (4 windows,
            // 2 MiB): the in-flight job buffers are native memory, and a 256 MB backup peaked 8 MB lower
            // (86 -> 78 MB to a folder) for 0.1% more bytes and the same CPU (A/B, docs/benchmark.md).
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_jobSize, JobSize);
            return zstd;
        }
        catch
        {
            zstd.Dispose();
            throw;
        }
    }

    /// <summary>A stream of the decompressed bytes of <paramref name="source"/> (left open); a truncated frame is an error, not an early end.</summary>
    public static Stream Decompressing(Stream source) => new DecompressionStream(source, BufferSize, checkEndOfStream: true, leaveOpen: true);

    /// <summary>
    /// Reads <paramref name="from"/> to its end and writes it compressed into <paramref name="to"/>, finishing the frame
    /// (<paramref name="to"/> stays open). On failure nothing more is written: the compressor is released without the
    /// flush its dispose would otherwise send into a target that is failing or being abandoned.
    /// </summary>
    /// <returns>The number of bytes read from <paramref name="from"/> (before compression).</returns>
    public static async Task<long> CompressAsync(Stream from, Stream to, int level, CancellationToken cancellationToken)
    {
        var target = new AbandonableStream(to);
        var zstd = Compressing(target, level);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await zstd.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }
        }
        catch
        {
            target.Abandon();
            zstd.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await zstd.DisposeAsync().ConfigureAwait(false);
        return total;
    }

    /// <summary>True when <paramref name="exception"/> is what a damaged or truncated zstd stream throws.</summary>
    public static bool IsDecodeError(Exception exception) => exception is ZstdException or EndOfStreamException;

    /// <summary>Forwards writes until abandoned, then swallows them.</summary>
    private sealed class AbandonableStream(Stream inner) : Stream
    {
        private volatile bool _abandoned;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Abandon() => _abandoned = true;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _abandoned ? ValueTask.CompletedTask : inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (!_abandoned)
            {
                inner.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
            if (!_abandoned)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => _abandoned ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
