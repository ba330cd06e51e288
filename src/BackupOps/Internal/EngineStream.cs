using System.Management.Automation;
using BackupOps.Engine.Errors;

namespace BackupOps.Internal;

/// <summary>
/// Writes what an engine stream produces to the pipeline as each item arrives, so <c>| Select-Object -First 3</c>
/// stops the engine after three: PowerShell ends the upstream cmdlet by throwing out of WriteObject
/// (StopUpstreamCommandsException) or, on Ctrl+C, PipelineStoppedException; either way the engine's token is cancelled
/// and the enumeration disposed (its reads in flight cancelled and awaited) before the exception goes on. Engine
/// errors become ErrorRecords as with <see cref="EngineRun"/>. Internal, so engine types never meet the module scan.
/// </summary>
internal static class EngineStream
{
    // A store's cancelled reads end at once; this bound only keeps a wedged one from hanging the pipeline.
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(60);

    /// <summary>Streams <paramref name="source"/> into <paramref name="write"/>; false (after WriteError) when the engine reports an error.</summary>
    public static bool TryStream<T>(this BackupOpsCmdlet cmdlet, Func<CancellationToken, IAsyncEnumerable<T>> source, Action<T> write)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cmdlet.StopToken);
        IAsyncEnumerator<T>? items = null;
        try
        {
            items = source(cancellation.Token).GetAsyncEnumerator(cancellation.Token);
            while (Next(items))
            {
                write(items.Current);
            }

            return true;
        }
        catch (BackupOpsException ex)
        {
            cmdlet.WriteError(ErrorRecords.From(ex));
            return false;
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            cancellation.Cancel();
            if (items is not null)
            {
                Dispose(items);
            }
        }
    }

    // Off the pipeline thread, so no engine continuation ever waits for the thread that waits for it.
    private static bool Next<T>(IAsyncEnumerator<T> items) => Task.Run(() => items.MoveNextAsync().AsTask()).GetAwaiter().GetResult();

    private static void Dispose<T>(IAsyncEnumerator<T> items)
    {
        try
        {
            Task.Run(() => items.DisposeAsync().AsTask()).Wait(DisposeWait);
        }
        catch (AggregateException)
        {
            // Cancelled or failed while cleaning up: the listing is over either way, and its error (if any) was reported.
        }
    }
}
