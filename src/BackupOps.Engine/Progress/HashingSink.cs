using System.Diagnostics;
using System.Security.Cryptography;

namespace BackupOps.Engine.Progress;

/// <summary>
/// The write half of <see cref="HashingCopier"/>: every chunk is hashed (SHA-256), counted, passed to the sink and
/// reported, for producers that push bytes (a compressor) rather than expose a stream to read from.
/// </summary>
internal sealed class HashingSink(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, Action<long, double>? report) : IDisposable
{
    private const long ReportBytes = 16L << 20;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport = -ReportInterval;
    private long _reportedBytes;

    /// <summary>Bytes passed to the sink so far.</summary>
    public long Bytes { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        _hash.AppendData(chunk.Span);
        await sink(chunk, cancellationToken).ConfigureAwait(false);
        Bytes += chunk.Length;
        if (report is not null && (_clock.Elapsed - _lastReport >= ReportInterval || Bytes - _reportedBytes >= ReportBytes))
        {
            _lastReport = _clock.Elapsed;
            _reportedBytes = Bytes;
            report(Bytes, Rate);
        }
    }

    /// <summary>The final report and the hash of everything written (call once, at the end).</summary>
    public (string Sha256, long Bytes) Finish()
    {
        report?.Invoke(Bytes, Rate);
        return (Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant(), Bytes);
    }

    /// <summary>A write-only stream over this sink (for a compressor to write into); disposing it does not finish the hash.</summary>
    public Stream AsStream() => new SinkStream(this);

    public void Dispose() => _hash.Dispose();

    private double Rate => Bytes / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);

    private sealed class SinkStream(HashingSink owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => owner.Bytes;

        public override long Position { get => owner.Bytes; set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => owner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            owner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => owner.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
