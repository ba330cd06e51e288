using System.Collections.Concurrent;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A thread with a single-threaded <see cref="SynchronizationContext"/>, the shape of a PowerShell pipeline thread
/// (or a GUI's): continuations posted to the context run only when that one thread pumps. Work that blocks the
/// thread while a library waits for the context to run its continuation deadlocks.
/// </summary>
public sealed class SingleThreadContext : SynchronizationContext
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (!_queue.IsAddingCompleted)
        {
            _queue.Add((d, state));
        }
        else
        {
            ThreadPool.QueueUserWorkItem(_ => d(state)); // posted after the work finished: nothing pumps any more
        }
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Send is not used by async code.");

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that has this context installed. With <paramref name="pump"/>
    /// the thread runs posted continuations until the work finishes (awaits resume on the thread, as in a
    /// GUI); without it the thread blocks on the result, as a cmdlet's ProcessRecord does. Returns false when
    /// the work did not finish within <paramref name="limit"/> (a stall), and rethrows its exception otherwise.
    /// </summary>
    public static bool Run(Func<Task> work, bool pump, TimeSpan limit)
    {
        Exception? failure = null;
        var context = new SingleThreadContext();
        var thread = new Thread(() =>
        {
            SetSynchronizationContext(context);
            try
            {
                var task = work();
                if (pump)
                {
                    _ = task.ContinueWith(_ => context._queue.CompleteAdding(), TaskScheduler.Default);
                    foreach (var (callback, state) in context._queue.GetConsumingEnumerable())
                    {
                        callback(state);
                    }
                }

                task.GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = "single-threaded SynchronizationContext",
        };
        thread.Start();
        if (!thread.Join(limit))
        {
            return false;
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("The work failed on the single-threaded context.", failure);
        }

        return true;
    }
}
