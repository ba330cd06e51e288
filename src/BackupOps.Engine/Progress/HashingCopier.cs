using System.Buffers;

namespace BackupOps.Engine.Progress;

/// <summary>
/// Copies a stream to a sink while computing SHA-256 and the byte count on the way. One pass over the bytes:
/// nothing is spooled. Progress is reported on the first chunk, then every 250 ms or every 16 MiB, whichever
/// comes first, and at the end; the report runs inline, so a slow consumer pauses the stream rather than
/// queueing reports.
/// </summary>
internal static class HashingCopier
{
    /// <summary>The read size: one pipe's worth (pipes to children are widened to 1 MiB).</summary>
    public const int BufferSize = 1 << 20;

    public static async Task<(string Sha256, long Bytes)> CopyAsync(
        Stream source,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink,
        Action<long, double>? report,
        CancellationToken cancellationToken)
    {
        using var hashing = new HashingSink(sink, report);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await hashing.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return hashing.Finish();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
