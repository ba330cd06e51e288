using System.Collections.Concurrent;
using System.Management.Automation;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;

namespace BackupOps.Internal;

/// <summary>
/// Base of every BackupOps cmdlet: runs engine work on the thread pool with a token that Ctrl+C (StopProcessing)
/// cancels, relays the engine's progress to WriteProgress on the pipeline thread, and turns engine errors into
/// ErrorRecords with stable ids and categories (never engine exception types).
/// </summary>
public abstract class BackupOpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private int _activityId;

    /// <summary>Releases the cancellation source.</summary>
    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Resolves a folder path against PowerShell's current location (not the process's working directory).</summary>
    private protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Runs engine work, pumping its progress; returns false (after WriteError) when the engine reports an error.</summary>
    private protected bool TryRun<T>(Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, out T result)
    {
        var activityId = Interlocked.Increment(ref _activityId);
        using var updates = new BlockingCollection<OperationProgress>(boundedCapacity: 64);
        var progress = new QueueProgress(updates);
        var task = Task.Run(() => work(progress, _cancellation.Token));
        task.ContinueWith(_ => updates.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        string? lastActivity = null;
        foreach (var update in updates.GetConsumingEnumerable())
        {
            lastActivity = update.Activity;
            WriteProgress(new ProgressRecord(activityId, update.Activity, Describe(update)) { PercentComplete = update.PercentComplete });
        }

        if (lastActivity is not null)
        {
            WriteProgress(new ProgressRecord(activityId, lastActivity, "done") { RecordType = ProgressRecordType.Completed });
        }

        try
        {
            result = task.GetAwaiter().GetResult();
            return true;
        }
        catch (BackupOpsException ex)
        {
            WriteError(ErrorRecords.From(ex));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }

        result = default!;
        return false;
    }

    private static string Describe(OperationProgress update)
    {
        var text = update.Status;
        if (update.BytesDone > 0)
        {
            text += $" — {update.BytesDone / 1048576.0:0.0} MiB";
            if (update.BytesPerSecond > 0)
            {
                text += $" at {update.BytesPerSecond / 1048576.0:0.0} MiB/s";
            }
        }

        return text;
    }

    private sealed class QueueProgress(BlockingCollection<OperationProgress> queue) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            try
            {
                // Never block the data path for the console: a full queue drops an update.
                queue.TryAdd(value);
            }
            catch (InvalidOperationException)
            {
                // completed: the work is over
            }
        }
    }
}
