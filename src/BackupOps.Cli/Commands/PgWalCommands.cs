using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg wal push|fetch|verify|setup</c>: continuous WAL archiving for point-in-time recovery.</summary>
internal static class PgWalCommands
{
    /// <summary>The exit code that makes PostgreSQL abort recovery (above 125) rather than treat a file as "not archived".</summary>
    public const int AbortRecovery = 255;

    public static Command Create(CommonOptions common)
    {
        var wal = new Command("wal", "WAL archiving: push (archive_command), fetch (restore_command), verify, setup.");
        wal.Subcommands.Add(Push(common));
        wal.Subcommands.Add(Fetch(common));
        wal.Subcommands.Add(Verify(common));
        wal.Subcommands.Add(PgWalSetupCommand.Create(common));
        return wal;
    }

    public static Option<string?> ClusterOption() => new("--cluster") { Description = "The name base backups and WAL are filed under (default for basebackup/setup: <host>-<port> of --database-url)." };

    public static Option<string?> EnvFileOption() => new("--env-file") { Description = "Load KEY=VALUE lines (store credentials, mode 0600) into the environment first: how archive_command and restore_command get them." };

    private static Command Push(CommonOptions common)
    {
        var path = new Argument<string?>("path") { Description = "The WAL file: archive_command's %p.", Arity = ArgumentArity.ZeroOrOne };
        var cluster = ClusterOption();
        var envFile = EnvFileOption();
        var spool = new Option<string?>("--spool-dir") { Description = "Archive asynchronously: queue the file in this local folder (0700) and let a long-running worker upload it. The documented default for S3 stores." };
        var parallel = new Option<int>("--parallel") { Description = "Uploads in flight in the async worker (1-32).", DefaultValueFactory = _ => 4 };
        var spoolMax = new Option<int>("--spool-max-mb") { Description = "Async: refuse new WAL (PostgreSQL keeps it and retries) when the spool holds more than this.", DefaultValueFactory = _ => 4096 };
        var recipients = new Option<string[]>("--recipient") { Description = "Encrypt WAL to this age public key; repeatable." };
        var noCompress = new Option<bool>("--no-compress") { Description = "Store WAL uncompressed (default: zstd level 1)." };
        var worker = new Option<bool>("--worker") { Description = "Run as the async upload worker (push starts it itself).", Hidden = true };
        var command = new Command("push", "Archive one WAL file (archive_command = 'backupops pg wal push %p --cluster NAME --store ...'). Exit 0 only once it is safe to recycle.");
        command.Arguments.Add(path);
        common.AddStore(command);
        foreach (var option in new Option[] { cluster, envFile, spool, parallel, spoolMax, recipients, noCompress, worker, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            CliProcess.LoadEnvironmentFile(result.GetValue(envFile));
            var options = new WalPushOptions
            {
                Cluster = ClusterName.Validate(result.GetValue(cluster)),
                Store = result.GetValue(common.Store),
                S3 = common.S3(result),
                Codec = result.GetValue(noCompress) ? WalCodec.None : WalCodec.Zstd,
                AgeRecipients = result.GetValue(recipients) ?? [],
                SpoolDirectory = result.GetValue(spool),
                Parallel = result.GetValue(parallel),
                SpoolMaxBytes = (long)result.GetValue(spoolMax) << 20,
            };
            if (result.GetValue(worker))
            {
                CliProcess.Detach();
                var log = Path.Combine(options.SpoolDirectory ?? ".", "worker.log");
                await WalPushWorker.RunAsync(options, WalPushWorker.DefaultIdleExit, line => AppendLog(log, line), cancellationToken);
                return ExitCodes.Success;
            }

            var file = result.GetValue(path) ?? throw BackupOpsException.InvalidInput("WalPathMissing", "Give the WAL file to push: archive_command = 'backupops pg wal push %p --cluster NAME --store ...'.");
            var workerArguments = WorkerArguments(result.Tokens.Select(t => t.Value).ToList(), file);
            WalSpool.WorkerLauncher = _ => CliProcess.StartDetached(workerArguments);
            var startup = CliProcess.MillisecondsSinceStart();
            WalPushResult pushed;
            try
            {
                pushed = await WalPushEngine.PushAsync(file, options, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // PostgreSQL retries on exit 1; a crash (exit 134) would restart its archiver instead.
                Console.Error.WriteLine($"backupops: error [WalPushIOFailed]: {file} could not be archived: {ex.Message}");
                return ExitCodes.Failed;
            }

            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new WalPushJson(pushed.Name, pushed.Outcome, pushed.Key, pushed.OriginalBytes, Math.Round(startup, 1), pushed.Timings));
            }
            else if (pushed.Outcome == "already-archived")
            {
                // PostgreSQL logs stderr: say why a re-push succeeded.
                Console.Error.WriteLine($"backupops: {pushed.Name} was already archived with the same content; nothing written.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Fetch(CommonOptions common)
    {
        var name = new Argument<string>("name") { Description = "The WAL file name: restore_command's %f." };
        var destination = new Argument<string>("destination") { Description = "Where PostgreSQL wants it: restore_command's %p." };
        var cluster = ClusterOption();
        var envFile = EnvFileOption();
        var identity = new Option<string?>("--identity") { Description = "age identity file for an encrypted archive." };
        var prefetch = new Option<int>("--prefetch") { Description = "Also download (and verify) up to this many following segments, so recovery is not bound by one round trip per segment.", DefaultValueFactory = _ => 8 };
        var command = new Command("fetch", "Restore one WAL file from the archive, proven against its SHA-256 (restore_command = 'backupops pg wal fetch %f %p --cluster NAME --store ...'). Exit 1: not archived; 255: damaged or unreadable (recovery stops).");
        command.Arguments.Add(name);
        command.Arguments.Add(destination);
        common.AddStore(command);
        foreach (var option in new Option[] { cluster, envFile, identity, prefetch })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                CliProcess.LoadEnvironmentFile(result.GetValue(envFile));
                var fetched = await WalFetchEngine.FetchAsync(
                    result.GetValue(name)!,
                    result.GetValue(destination)!,
                    new WalFetchOptions { Cluster = ClusterName.Validate(result.GetValue(cluster)), Store = result.GetValue(common.Store), S3 = common.S3(result), IdentityFile = result.GetValue(identity), Prefetch = Math.Clamp(result.GetValue(prefetch), 0, 64) },
                    cancellationToken);
                return fetched.Found ? ExitCodes.Success : ExitCodes.Failed;
            }
            catch (BackupOpsException ex)
            {
                // Anything but "not archived" must stop recovery: ending it early would silently lose the WAL after this file.
                Console.Error.WriteLine($"backupops: error [{ex.ErrorId}]: {Engine.Errors.FrontEndText.ForCli(ex.Message)}");
                return AbortRecovery;
            }
        });
        return command;
    }

    private static Command Verify(CommonOptions common)
    {
        var cluster = ClusterOption();
        var noRead = new Option<bool>("--no-read") { Description = "Only check that every segment is there (no download and hash)." };
        var identity = new Option<string?>("--identity") { Description = "age identity file for an encrypted archive (to prove the restored bytes too)." };
        var parallel = new Option<int>("--parallel") { Description = "Segments read at once.", DefaultValueFactory = _ => 4 };
        var command = new Command("verify", "Walk the archive from the oldest base backup to now along the timelines: every segment present, every hash proven; report the recoverable window. Exit 1 on a gap or damage.");
        common.AddStore(command);
        foreach (var option in new Option[] { cluster, noRead, identity, parallel, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            using var progress = new ConsoleProgress();
            var report = await WalVerifier.VerifyAsync(store, ClusterName.Validate(result.GetValue(cluster)), !result.GetValue(noRead), result.GetValue(identity), result.GetValue(parallel), progress, cancellationToken);
            progress.Dispose();
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new WalVerifyJson(store.Display, report.Cluster, report.Succeeded, report.Timeline, report.Segments, report.Verified, report.Gaps, report.Damaged, report.BaseBackups, report.RecoverableFromUtc, report.RecoverableToUtc, report.LastRecoverableSegment));
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"WAL archive {report.Cluster} in {store.Display}: timeline {report.Timeline}, {report.Segments} segment(s) from the oldest of {report.BaseBackups.Count} base backup(s), {report.Verified} read and proven"));
                foreach (var gap in report.Gaps)
                {
                    Console.Out.WriteLine($"  MISSING {gap}");
                }

                foreach (var damage in report.Damaged)
                {
                    Console.Out.WriteLine($"  DAMAGED {damage.Name}: {damage.Problem}");
                }

                Console.Out.WriteLine(report.RecoverableFromUtc is { } from
                    ? string.Create(CultureInfo.InvariantCulture, $"Recoverable window: {from:yyyy-MM-dd HH:mm:ss} .. {report.RecoverableToUtc:yyyy-MM-dd HH:mm:ss} UTC (last segment {report.LastRecoverableSegment})")
                    : "No recoverable window: no base backup's WAL is whole.");
                Console.Out.WriteLine(report.Succeeded ? "Archive verified." : "ARCHIVE NOT WHOLE: restores past the first problem above are refused.");
            }

            return report.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    // The worker gets the push's own options, without the file and with --worker.
    private static List<string> WorkerArguments(List<string> tokens, string file)
    {
        var arguments = new List<string> { "pg", "wal", "push" };
        var skipped = false;
        foreach (var token in tokens.Skip(tokens.IndexOf("push") + 1))
        {
            if (!skipped && token == file)
            {
                skipped = true;
                continue;
            }

            if (token is "--json")
            {
                continue;
            }

            arguments.Add(token);
        }

        arguments.Add("--worker");
        return arguments;
    }

    private static void AppendLog(string path, string line)
    {
        try
        {
            if (new FileInfo(path) is { Exists: true, Length: > 1 << 20 })
            {
                File.Move(path, path + ".1", overwrite: true);
            }

            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff} [{Environment.ProcessId}] {line}\n"));
        }
        catch (IOException)
        {
        }
    }
}
