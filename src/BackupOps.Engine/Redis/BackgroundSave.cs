using System.Diagnostics;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Triggers BGSAVE and waits for it by polling INFO persistence (<c>rdb_saves</c>, <c>rdb_bgsave_in_progress</c>,
/// <c>rdb_last_bgsave_status</c>) and LASTSAVE. A save already running (someone's BGSAVE, or the server's own save
/// schedule) is waited for, then ours runs, so the snapshot is at least as recent as the request. Completion is
/// told by the save counter where the server has one (Redis 7): LASTSAVE has one-second resolution, and two
/// saves within a second would look like none.
/// </summary>
internal static class BackgroundSave
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static async Task<DateTimeOffset> RunAsync(IServer server, string display, TimeSpan timeout, IProgress<OperationProgress>? progress, string activity, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await WaitWhileSavingAsync(server, display, timeout, clock, progress, activity, "waiting for a BGSAVE already in progress", cancellationToken).ConfigureAwait(false);
        var (before, savesBefore) = await MarkAsync(server).ConfigureAwait(false);
        try
        {
            await server.SaveAsync(SaveType.BackgroundSave).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("in progress", StringComparison.OrdinalIgnoreCase))
        {
            // Lost a race with another save: wait for it, then ours.
            await WaitWhileSavingAsync(server, display, timeout, clock, progress, activity, "waiting for a concurrent save", cancellationToken).ConfigureAwait(false);
            (before, savesBefore) = await MarkAsync(server).ConfigureAwait(false);
            await server.SaveAsync(SaveType.BackgroundSave).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("not allowed", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("NOPERM", StringComparison.Ordinal))
        {
            throw new BackupOpsException(BackupOpsErrorKind.InvalidInput, "RedisBgsaveUnsupported", $"{display} does not allow BGSAVE ({ex.Message}). Managed services such as Upstash expose no BGSAVE, LASTSAVE or SYNC: use a logical snapshot (-Logical / --logical).");
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = await RedisInfo.ReadAsync(server, "persistence").ConfigureAwait(false);
            var lastSave = await server.LastSaveAsync().ConfigureAwait(false);
            var done = savesBefore is { } counted ? RedisInfo.Long(info, "rdb_saves") > counted : lastSave > before;
            if (RedisInfo.Long(info, "rdb_bgsave_in_progress") == 0 && done)
            {
                return info.TryGetValue("rdb_last_bgsave_status", out var status) && status == "ok"
                    ? new DateTimeOffset(DateTime.SpecifyKind(lastSave, DateTimeKind.Utc))
                    : throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisBgsaveFailed", $"BGSAVE on {display} failed (rdb_last_bgsave_status={status}). Check the server's log and free disk space in its dir.");
            }

            if (RedisInfo.Long(info, "rdb_bgsave_in_progress") == 0 && info.TryGetValue("rdb_last_bgsave_status", out var failed) && failed == "err" && clock.Elapsed > TimeSpan.FromSeconds(2))
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisBgsaveFailed", $"BGSAVE on {display} failed (rdb_last_bgsave_status=err). Check the server's log and free disk space in its dir.");
            }

            Deadline(clock, timeout, display);
            progress?.Report(new OperationProgress(activity, "waiting for BGSAVE", 0, null, 0));
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(DateTime LastSave, long? Saves)> MarkAsync(IServer server)
    {
        var info = await RedisInfo.ReadAsync(server, "persistence").ConfigureAwait(false);
        return (await server.LastSaveAsync().ConfigureAwait(false), info.ContainsKey("rdb_saves") ? RedisInfo.Long(info, "rdb_saves") : null);
    }

    private static async Task WaitWhileSavingAsync(IServer server, string display, TimeSpan timeout, Stopwatch clock, IProgress<OperationProgress>? progress, string activity, string status, CancellationToken cancellationToken)
    {
        while (RedisInfo.Long(await RedisInfo.ReadAsync(server, "persistence").ConfigureAwait(false), "rdb_bgsave_in_progress") == 1)
        {
            Deadline(clock, timeout, display);
            progress?.Report(new OperationProgress(activity, status, 0, null, 0));
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Deadline(Stopwatch clock, TimeSpan timeout, string display)
    {
        if (clock.Elapsed > timeout)
        {
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisBgsaveTimeout", $"BGSAVE on {display} did not finish within {timeout}. Raise the timeout (-SaveTimeout) for large datasets, or check the server.");
        }
    }
}
