using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Replaces a local server's data with a verified RDB: SHUTDOWN NOSAVE, keep the old file as
/// <c>&lt;dbfilename&gt;.before-&lt;id&gt;</c>, put the snapshot in place, restart with the same config file. With
/// AOF on, the server would load its AOF instead of the RDB, so it restarts with AOF off and AOF is switched back
/// on once loaded, which rewrites the AOF from the restored data.
/// </summary>
internal static class LocalServerReplacer
{
    public static async Task ReplaceAsync(RedisConnectionSettings target, string verifiedRdb, string snapshotId, CancellationToken cancellationToken)
    {
        string dir, dbFileName, configFile;
        int port;
        bool aof;
        using (var session = await RedisConnector.ConnectAsync(target).ConfigureAwait(false))
        {
            var server = session.Server;
            dir = (await server.ConfigGetAsync("dir").ConfigureAwait(false)).First().Value;
            dbFileName = (await server.ConfigGetAsync("dbfilename").ConfigureAwait(false)).First().Value;
            var info = await RedisInfo.ReadAsync(server).ConfigureAwait(false);
            configFile = info.GetValueOrDefault("config_file", string.Empty);
            port = (int)RedisInfo.Long(info, "tcp_port");
            aof = RedisInfo.Long(info, "aof_enabled") == 1;
            if (string.IsNullOrEmpty(configFile))
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "RedisNoConfigFile", $"{target.Display} was started without a config file, so it cannot be restarted with the same settings. Restore into a sandbox, or start the server from a config file.");
            }

            try
            {
                server.Shutdown(ShutdownMode.Never); // SHUTDOWN NOSAVE: the current data is about to be replaced
            }
            catch (RedisConnectionException)
            {
                // the server closed the connection while going down, as expected
            }
        }

        await WaitForPortAsync(target, open: false, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var live = Path.Combine(dir, dbFileName);
        if (File.Exists(live))
        {
            File.Move(live, $"{live}.before-{snapshotId}", overwrite: true);
        }

        File.Copy(verifiedRdb, live);
        string[] arguments = aof ? [configFile, "--daemonize", "yes", "--appendonly", "no"] : [configFile, "--daemonize", "yes"];
        await using (var start = ProcessRunner.Start(RedisTools.Find("redis-server"), arguments, null, new SecretRedactor()))
        {
            await start.WaitForSuccessAsync("RedisRestartFailed", $"Restarting redis-server with {configFile}", cancellationToken).ConfigureAwait(false);
        }

        await WaitForPortAsync(target with { Port = port }, open: true, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (aof)
        {
            using var session = await RedisConnector.ConnectAsync(target).ConfigureAwait(false);
            await session.Server.ConfigSetAsync("appendonly", "yes").ConfigureAwait(false);
        }
    }

    private static async Task WaitForPortAsync(RedisConnectionSettings target, bool open, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var answering = open ? await RedisConnector.IsLoadedAsync(target).ConfigureAwait(false) : await RedisConnector.AnswersAsync(target).ConfigureAwait(false);
            if (answering == open)
            {
                return;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisRestartFailed", $"{target.Display} did not {(open ? "come back (check its log)" : "shut down")} within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
    }
}
