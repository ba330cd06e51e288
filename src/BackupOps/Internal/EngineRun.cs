using System.Collections.Concurrent;
using System.Management.Automation;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;

namespace BackupOps.Internal;

/// <summary>
/// Runs engine work for a cmdlet on the thread pool with the token that StopProcessing cancels, relays the engine's
/// progress to WriteProgress on the pipeline thread, and turns engine errors into ErrorRecords with stable ids and
/// categories (never engine exception types). An internal type, so engine types in its signatures are never loaded
/// while PowerShell scans the module's exported types.
/// </summary>
internal static class EngineRun
{
    /// <summary>Runs engine work, pumping its progress; returns false (after WriteError) when the engine reports an error.</summary>
    public static bool TryRun<T>(this BackupOpsCmdlet cmdlet, Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, out T result)
    {
        var activityId = cmdlet.NextActivityId();
        using var updates = new BlockingCollection<OperationProgress>(boundedCapacity: 64);
        var progress = new QueueProgress(updates);
        var token = cmdlet.StopToken;
        var task = Task.Run(() => work(progress, token), CancellationToken.None);
        task.ContinueWith(_ => updates.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        string? lastActivity = null;
        string? lastStatus = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            lastActivity = Relay(cmdlet, updates, activityId, clock, ref lastStatus);
        }
        catch (PipelineStoppedException)
        {
            // Stop() (Ctrl+C) makes the next WriteProgress/WriteVerbose throw while the engine is still cleaning up
            // (aborting the upload, removing partial files, writing the cancelled run record). Returning now would
            // let Stop() return with that cleanup still running, and the caller's next command would find a
            // leftover the engine is about to remove. The token is already cancelled: wait for the engine to finish.
            WaitForCleanup(task);
            throw;
        }

        if (lastActivity is not null)
        {
            cmdlet.WriteProgress(new ProgressRecord(activityId, lastActivity, "done") { RecordType = ProgressRecordType.Completed });
        }

        try
        {
            result = task.GetAwaiter().GetResult();
            cmdlet.WriteVerbose($"[{clock.Elapsed.TotalSeconds:0.0}s] {lastActivity ?? "done"}: finished");
            return true;
        }
        catch (BackupOpsException ex)
        {
            cmdlet.WriteError(ErrorRecords.From(ex));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }

        result = default!;
        return false;
    }

    // Progress and -Verbose for each update until the engine completes the queue; returns the last activity.
    private static string? Relay(BackupOpsCmdlet cmdlet, BlockingCollection<OperationProgress> updates, int activityId, System.Diagnostics.Stopwatch clock, ref string? lastStatus)
    {
        string? lastActivity = null;
        foreach (var update in updates.GetConsumingEnumerable(CancellationToken.None))
        {
            // -Verbose tells each phase once (not every byte count): what the engine is doing, and since when.
            if (update.Activity != lastActivity || update.Status != lastStatus)
            {
                cmdlet.WriteVerbose($"[{clock.Elapsed.TotalSeconds:0.0}s] {update.Activity}: {update.Status}");
            }

            lastActivity = update.Activity;
            lastStatus = update.Status;
            cmdlet.WriteProgress(new ProgressRecord(activityId, update.Activity, Describe(update)) { PercentComplete = update.PercentComplete });
        }

        return lastActivity;
    }

    // Bounded: a stalled store's cleanup has its own deadlines; this only keeps Stop() from outrunning them.
    private static void WaitForCleanup(Task task)
    {
        try
        {
            task.Wait(TimeSpan.FromSeconds(60));
        }
        catch (AggregateException)
        {
            // Cancelled or failed: either way the engine has finished; the stop is what the caller asked for.
        }
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
