namespace BackupOps.Engine.Restore;

/// <summary>Copies into a child process's stdin, treating the child closing its end as "done", not as an error.</summary>
internal static class StreamPump
{
    /// <summary>
    /// Copies until <paramref name="from"/> ends or the reader of <paramref name="to"/> goes away, then closes
    /// <paramref name="to"/> so the reader sees end-of-file. A failing source (a broken download) also ends the
    /// copy; the reader then fails on the truncated input, and the source's own error is reported by its owner.
    /// </summary>
    public static async Task CopyUntilReaderLeavesAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The child exited (broken pipe) or the source failed; both are judged elsewhere.
        }
        catch (OperationCanceledException)
        {
            // Cancellation is observed by the caller's own wait.
        }
        finally
        {
            await from.DisposeAsync().ConfigureAwait(false);
            try
            {
                await to.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Closing a pipe whose reader already left.
            }
        }
    }
}
