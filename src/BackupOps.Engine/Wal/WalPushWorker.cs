using System.Diagnostics;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>
/// The async archiving worker: holds the spool's lock, keeps one store connection open, uploads the queue with
/// up to <see cref="WalPushOptions.Parallel"/> files in flight, removes each file only after its object is
/// committed, backs off on failure, and exits after a quiet spell (the next push starts it again).
/// </summary>
public static class WalPushWorker
{
    /// <summary>Quiet time after which the worker exits.</summary>
    public static readonly TimeSpan DefaultIdleExit = TimeSpan.FromSeconds(30);

    /// <summary>Runs until the queue has been empty for <paramref name="idleExit"/>; returns false when another worker already runs.</summary>
    public static async Task<bool> RunAsync(WalPushOptions options, TimeSpan idleExit, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var spool = new WalSpool(options.SpoolDirectory ?? throw BackupOpsException.InvalidInput("WalSpoolMissing", "The worker needs --spool-dir."), options);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(spool.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return false;
        }

        await using (lockFile)
        {
            await using var store = StoreLocation.Open(options.Store, options.S3);
            var archive = new WalArchive(store, options.Cluster);
            var state = (spool.ReadState() ?? new WalWorkerState()) with { ProcessId = Environment.ProcessId, StartedUtc = DateTimeOffset.UtcNow };
            spool.WriteState(state);
            var quiet = Stopwatch.StartNew();
            var backoff = TimeSpan.Zero;
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = spool.Queue().Take(options.Parallel * 4).ToList();
                if (batch.Count == 0)
                {
                    if (quiet.Elapsed >= idleExit)
                    {
                        return true;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                quiet.Restart();
                var failures = 0;
                string? lastError = null;
                var gate = new object();
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancellationToken }, async (file, token) =>
                {
                    try
                    {
                        var (name, bytes) = await WalPushEngine.ReadFileAsync(file.FullName, token).ConfigureAwait(false);
                        var result = await WalPushEngine.PushOpenAsync(archive, name, bytes, options, [], Stopwatch.StartNew(), token).ConfigureAwait(false);
                        File.Delete(file.FullName);
                        lock (gate)
                        {
                            state = state with { LastSuccessUtc = DateTimeOffset.UtcNow, LastSuccessName = name.Name, Uploaded = state.Uploaded + 1, FailingSinceUtc = null };
                        }

                        log?.Invoke($"{result.Outcome} {name.Name}");
                    }
                    catch (Exception ex) when (ex is BackupOpsException or IOException)
                    {
                        lock (gate)
                        {
                            failures++;
                            lastError = ex is BackupOpsException b ? $"[{b.ErrorId}] {b.Message}" : ex.Message;
                        }

                        log?.Invoke($"failed {file.Name}: {lastError}");
                    }
                }).ConfigureAwait(false);

                if (failures > 0)
                {
                    var now = DateTimeOffset.UtcNow;
                    state = state with { LastErrorUtc = now, LastError = lastError, FailingSinceUtc = state.FailingSinceUtc ?? now };
                    backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Max(1, backoff.TotalSeconds * 2)));
                }
                else
                {
                    backoff = TimeSpan.Zero;
                }

                spool.WriteState(state);
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
            }

            return true;
        }
    }
}
