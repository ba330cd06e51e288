using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;

namespace BackupOps.Engine.Progress;

/// <summary>
/// Copies a stream to a sink while computing SHA-256 and the byte count on the way. One pass over the bytes:
/// nothing is spooled. Progress is reported on the first chunk, then every 250 ms or every 16 MiB, whichever
/// comes first, and at the end; the report runs inline, so a slow consumer pauses the stream rather than
/// queueing reports.
/// </summary>
internal static class HashingCopier
{
    private const int BufferSize = 1 << 20;
    private const long ReportBytes = 16L << 20;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<(string Sha256, long Bytes)> CopyAsync(
        Stream source,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink,
        Action<long, double>? report,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var clock = Stopwatch.StartNew();
        var lastReport = -ReportInterval;
        long total = 0;
        long reportedBytes = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await sink(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                if (report is not null && (clock.Elapsed - lastReport >= ReportInterval || total - reportedBytes >= ReportBytes))
                {
                    lastReport = clock.Elapsed;
                    reportedBytes = total;
                    report(total, total / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
                }
            }

            report?.Invoke(total, total / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
            return (Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant(), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
