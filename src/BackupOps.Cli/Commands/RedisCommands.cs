using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary>
/// <c>backupops redis snapshot|list|restore|prune</c>. The password comes from the URL in REDIS_URL,
/// REDIS_PASSWORD or REDISCLI_AUTH, never from an option.
/// </summary>
internal static class RedisCommands
{
    public static Command Create(CommonOptions common)
    {
        var redis = new Command("redis", "Redis snapshots: snapshot, list, restore (sandbox, local server, or RESTORE), prune.");
        redis.Subcommands.Add(Snapshot(common));
        redis.Subcommands.Add(List(common));
        redis.Subcommands.Add(Restore(common));
        redis.Subcommands.Add(Prune(common));
        redis.Subcommands.Add(VerifyCommand.CreateRedis(common));
        return redis;
    }

    private static Option<string?> RedisUrl() => new("--redis-url") { Description = "Redis server: redis://host:6379 or host:port. Default: REDIS_URL, else 127.0.0.1:6379. Password: REDIS_PASSWORD / REDISCLI_AUTH." };

    private static Option<string?> Source(string description) => new("--source") { Description = description };

    private static Command Snapshot(CommonOptions common)
    {
        var url = RedisUrl();
        var source = Source("Name of the source in the store (default host-port).");
        var noSave = new Option<bool>("--no-save") { Description = "Use the latest save instead of triggering BGSAVE." };
        var logical = new Option<bool>("--logical") { Description = "SCAN + DUMP export instead of an RDB (Upstash and other managed Redis without BGSAVE/SYNC)." };
        var transfer = new Option<RdbTransfer>("--transfer") { Description = "How to get the RDB: auto, serverfile or replication.", DefaultValueFactory = _ => RdbTransfer.Auto };
        var timeout = new Option<int>("--save-timeout-seconds") { Description = "How long to wait for BGSAVE.", DefaultValueFactory = _ => 600 };
        var command = new Command("snapshot", "Snapshot a Redis server (BGSAVE, redis-check-rdb, upload with SHA-256 and manifest).");
        foreach (var option in new Option[] { url, source, noSave, logical, transfer, timeout, common.SigningKey })
        {
            command.Options.Add(option);
        }

        common.AddStore(command);
        common.AddObjectLock(command);
        common.AddReporting(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var progress = new ConsoleProgress();
            var snapshot = await RedisSnapshotEngine.RunAsync(
                new RedisSnapshotRequest
                {
                    Connection = OptionSecrets.Redis(result.GetValue(url), "--redis-url"),
                    Store = result.GetValue(common.Store),
                    S3 = common.BackupS3(result),
                    SourceName = result.GetValue(source),
                    NoSave = result.GetValue(noSave),
                    Logical = result.GetValue(logical),
                    Transfer = result.GetValue(transfer),
                    SaveTimeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                    SigningKeyFile = result.GetValue(common.SigningKey),
                    Reporting = common.Reporting(result),
                },
                progress,
                cancellationToken);
            progress.Dispose();
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new StoredManifestJson<RedisSnapshotManifest>(snapshot.Store, snapshot.ManifestKey, snapshot.Manifest));
            }
            else
            {
                var m = snapshot.Manifest;
                Console.Out.WriteLine($"Snapshot {m.BackupId} of {m.SourceServer} as '{m.Database}' ({m.Method}, {m.Obtained}): {Bytes.Format(m.SizeBytes)}, {m.Databases.Values.Sum(d => d.Keys)} keys in {m.Databases.Count} database(s)");
                Console.Out.WriteLine($"  sha256 {m.Sha256}");
                Console.Out.WriteLine($"  {snapshot.Store}/{m.DataKey}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommonOptions common)
    {
        var source = Source("Only this source's snapshots.");
        var latest = new Option<bool>("--latest") { Description = "Only the newest snapshot of each source." };
        var limit = new Option<int?>("--limit") { Description = "Only the newest N snapshots (with --latest: of the newest per source); manifests beyond them are not read." };
        var command = new Command("list", "List valid Redis snapshots, newest first, each as its manifest is read; leftovers apart.");
        command.Options.Add(source);
        command.Options.Add(latest);
        command.Options.Add(limit);
        common.AddStore(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            var count = result.GetValue(limit);
            if (count is < 1)
            {
                throw BackupOpsException.InvalidInput("ListLimitInvalid", string.Create(CultureInfo.InvariantCulture, $"--limit {count} is not a number of snapshots. Give 1 or more (the newest N are listed), or leave it out to list them all."));
            }

            await using var store = StoreLocation.OpenExisting(result.GetValue(common.Store), common.S3(result));
            var rows = BackupCatalog.StreamAsync<RedisSnapshotManifest>(store, BackupKind.Redis, new BackupCatalog.Filter(result.GetValue(source), LatestOnly: result.GetValue(latest)) { Limit = count }, cancellationToken);
            var leftovers = new List<BackupLeftover>();
            if (result.GetValue(common.Json))
            {
                using var output = new JsonStream(Console.Out);
                output.Json.WriteStartObject();
                output.Property("store", store.Display);
                output.Json.WriteStartArray("snapshots");
                output.Flush();
                await foreach (var item in rows)
                {
                    if (item.Leftover is not null)
                    {
                        leftovers.Add(item.Leftover);
                    }

                    if (item.Backup is { } b)
                    {
                        output.Value(new RedisListedJson(b.BackupId, b.Database, b.Manifest.Method, b.Manifest.StartedUtc, b.Manifest.SizeBytes, b.Manifest.Sha256, b.Manifest.Databases, b.Manifest.DataKey));
                        output.Flush();
                    }
                }

                output.Json.WriteEndArray();
                output.Property<IEnumerable<RedisLeftoverJson>>("leftovers", leftovers.DistinctBy(l => l.Key).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => new RedisLeftoverJson(l.Key, l.Reason)));
                output.Json.WriteEndObject();
                output.Complete();
                return ExitCodes.Success;
            }

            Console.Out.WriteLine($"{"SNAPSHOT ID",-27} {"SOURCE",-22} {"METHOD",-8} {"STARTED (UTC)",-20} {"SIZE",10}  KEYS");
            await foreach (var item in rows)
            {
                if (item.Leftover is not null)
                {
                    leftovers.Add(item.Leftover);
                }

                if (item.Backup is { } b)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-22} {b.Manifest.Method,-8} {b.Manifest.StartedUtc:yyyy-MM-dd HH:mm:ss} {Bytes.Format(b.Manifest.SizeBytes),10}  {b.Manifest.Databases.Values.Sum(d => d.Keys)}"));
                }
            }

            foreach (var l in leftovers.DistinctBy(l => l.Key).OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                Console.Out.WriteLine($"  leftover {l.Key}: {l.Reason}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Restore(CommonOptions common)
    {
        var snapshotId = new Option<string?>("--snapshot-id") { Description = "The snapshot to restore (from 'redis list')." };
        var latest = new Option<bool>("--latest") { Description = "Restore the newest valid snapshot of --source." };
        var source = Source("The source whose snapshots to use.");
        var mode = new Option<RedisRestoreMode>("--mode") { Description = "sandbox (default: a new redis-server on a free port), replacelocal (swap a local server's data) or intoserver (RESTORE keys of a logical snapshot).", DefaultValueFactory = _ => RedisRestoreMode.Sandbox };
        var target = new Option<string?>("--target") { Description = "The server for replacelocal / intoserver: redis://host:port (password: REDIS_PASSWORD)." };
        var keepRunning = new Option<bool>("--keep-running") { Description = "Leave the sandbox running and print its endpoint." };
        var replace = new Option<bool>("--replace") { Description = "intoserver: overwrite keys that exist." };
        var expectKey = new Option<string[]>("--expect-key") { Description = "A key that must exist after the restore; repeatable." };
        var queue = new Option<string[]>("--queue") { Description = "Queue length bounds, key=min..max (lists and streams); repeatable." };
        var database = new Option<int>("--database") { Description = "Database the key and queue checks use.", DefaultValueFactory = _ => 0 };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Folder for downloads and the sandbox." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what the restore would do; change nothing." };
        var command = new Command("restore", "Verify (SHA-256, redis-check-rdb) and restore a snapshot, then check keys per database, keys and queues.");
        foreach (var option in new Option[] { snapshotId, latest, source, mode, target, keepRunning, replace, expectKey, queue, database, tempDir, dryRun, common.TrustedKeys })
        {
            command.Options.Add(option);
        }

        common.AddStore(command);
        common.AddReporting(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            var request = new RedisRestoreRequest
            {
                Store = result.GetValue(common.Store),
                S3 = common.S3(result),
                SnapshotId = result.GetValue(snapshotId),
                Latest = result.GetValue(latest),
                SourceName = result.GetValue(source),
                Mode = result.GetValue(mode),
                Target = result.GetValue(target) is { } url ? OptionSecrets.Redis(url, "--target") : null,
                KeepRunning = result.GetValue(keepRunning),
                Replace = result.GetValue(replace),
                ExpectKeys = result.GetValue(expectKey) ?? [],
                Queues = [.. (result.GetValue(queue) ?? []).Select(QueueBound.Parse)],
                Database = result.GetValue(database),
                TempDirectory = result.GetValue(tempDir),
                TrustedKeyFiles = common.TrustedKeyFiles(result),
                Reporting = common.Reporting(result),
            };
            if (result.GetValue(dryRun))
            {
                Console.Out.WriteLine("What if: " + await RedisRestoreEngine.DescribeAsync(request, cancellationToken));
                return ExitCodes.Success;
            }

            using var progress = new ConsoleProgress();
            var restored = await RedisRestoreEngine.RunAsync(request, progress, cancellationToken);
            progress.Dispose();
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, restored);
            }
            else
            {
                Console.Out.WriteLine($"Restored {restored.SnapshotId} of '{restored.Source}' ({restored.Mode}) at {restored.Endpoint}{(restored.KeptRunning ? $" — still running; its password is in {restored.PasswordFile} (0600): REDISCLI_AUTH=$(cat {restored.PasswordFile}) redis-cli -p {restored.Endpoint.Split(':')[1]}; stop it with: REDISCLI_AUTH=$(cat {restored.PasswordFile}) redis-cli -p {restored.Endpoint.Split(':')[1]} shutdown nosave; data in {restored.SandboxDirectory}" : string.Empty)}");
                foreach (var check in restored.Checks)
                {
                    Console.Out.WriteLine($"  {check.Outcome.ToString().ToUpperInvariant(),-7} {check.Name}: {check.Detail}");
                }
            }

            return restored.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Prune(CommonOptions common)
    {
        var source = Source("Only this source's snapshots.");
        var options = new PruneOptions();
        var command = new Command("prune", "Remove snapshots past the retention and stale leftovers; the newest snapshots kept are proven whole first and never removed.");
        command.Options.Add(source);
        options.AddTo(command);
        common.AddStore(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            var policy = options.Policy(result);
            var reporting = common.Reporting(result);
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            var outcome = await RetentionRunner.RunAsync<RedisSnapshotManifest>(store, BackupKind.Redis, result.GetValue(source), policy, result.GetValue(options.DryRun), cancellationToken, reporting);
            var cleaned = await Engine.Leftovers.LeftoverCleaner.CleanAsync(null, null, result.GetValue(options.TempDirectory), policy.LeftoverGrace, result.GetValue(options.DryRun), reporting.OnWarning, cancellationToken);
            return PgPruneCommand.Report(store.Display, policy, outcome with { Actions = [.. outcome.Actions, .. cleaned] }, result.GetValue(options.DryRun), result.GetValue(common.Json));
        });
        return command;
    }
}
