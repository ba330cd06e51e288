using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg prune</c>: apply retention; the newest valid backup of every database is never removed.</summary>
internal static class PgPruneCommand
{
    public static Command Create(CommonOptions common)
    {
        var database = new Option<string?>("--database") { Description = "Only this database's backups." };
        var retention = new Option<int?>("--retention-days") { Description = "Remove backups older than this many days. Default: BACKUP_RETENTION_DAYS (required one way or the other)." };
        var minimumKeep = new Option<int>("--minimum-keep") { Description = "Newest valid backups kept per database whatever their age (at least 1).", DefaultValueFactory = _ => 1 };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed; remove nothing." };
        var kind = new Option<string>("--kind") { Description = "dump (pg_dump backups, the default) or base (base backups of --cluster, then the WAL no retained base backup needs).", DefaultValueFactory = _ => "dump" };
        var cluster = PgWalCommands.ClusterOption();

        var command = new Command("prune", "Remove backups past the retention and stale leftovers; never the newest valid backup.");
        common.AddStore(command);
        foreach (var option in new Option[] { database, retention, minimumKeep, dryRun, kind, cluster, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var policy = RetentionPolicy.Resolve(result.GetValue(retention), result.GetValue(minimumKeep));
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            var outcome = result.GetValue(kind) switch
            {
                "dump" => await RetentionRunner.RunAsync<BackupManifest>(store, BackupKind.Postgres, result.GetValue(database), policy, result.GetValue(dryRun), cancellationToken),
                "base" => await Engine.Physical.PitrRetention.RunAsync(store, result.GetValue(cluster) is { } c ? Engine.Wal.ClusterName.Validate(c) : null, policy, result.GetValue(dryRun), cancellationToken),
                var other => throw Engine.Errors.BackupOpsException.InvalidInput("PruneKindInvalid", $"--kind '{other}' is not a kind. Use dump or base."),
            };
            Report(store.Display, policy, outcome, result.GetValue(dryRun), result.GetValue(common.Json));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Prints a retention outcome (shared with `redis prune`).</summary>
    public static void Report(string store, RetentionPolicy policy, RetentionOutcome outcome, bool dryRun, bool json)
    {
        if (json)
        {
            JsonOutput.Write(Console.Out, new { store, policy.RetentionDays, policy.MinimumKeep, dryRun, actions = outcome.Actions, kept = outcome.Kept });
            return;
        }

        foreach (var action in outcome.Actions)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(action.Removed ? "removed" : "would remove"),-12} {action.Key} ({action.Database}, {action.StartedUtc:yyyy-MM-dd HH:mm}, {Bytes.Format(action.SizeBytes)}): {action.Reason}"));
        }

        Console.Out.WriteLine($"{outcome.Actions.Count} item(s) {(dryRun ? "would be removed" : "removed")}; kept {outcome.Kept} backup(s) (retention {policy.RetentionDays} days, at least {policy.MinimumKeep} per source).");
    }
}
