using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Leftovers;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary>
/// <c>backupops pg prune</c>: apply retention. The newest backups it keeps are proven whole first, a damaged one never
/// counts, an ambiguous source is refused; exit 1 when damage was found or a source refused.
/// </summary>
internal static class PgPruneCommand
{
    public static Command Create(CommonOptions common)
    {
        var database = new Option<string?>("--database") { Description = "Only this database's backups." };
        var options = new PruneOptions();
        var kind = new Option<string>("--kind") { Description = "dump (pg_dump backups, the default) or base (base backups of --cluster, then the WAL no retained base backup needs).", DefaultValueFactory = _ => "dump" };
        var cluster = PgWalCommands.ClusterOption();
        var databaseUrl = new Option<string?>("--database-url") { Description = "Also remove the databases interrupted restores left on this server (<target>_restoring_*, <target>_replaced_*: only those BackupOps made, past the grace). Not read from DATABASE_URL: say it on purpose." };
        var command = new Command("prune", "Remove backups past the retention and stale leftovers; the newest backups kept are proven whole first and never removed.");
        common.AddStore(command);
        command.Options.Add(database);
        options.AddTo(command);
        command.Options.Add(databaseUrl);
        command.Options.Add(kind);
        command.Options.Add(cluster);
        command.Options.Add(common.Json);

        command.SetAction(async (result, cancellationToken) =>
        {
            var policy = options.Policy(result);
            var server = result.GetValue(databaseUrl) is { } url ? OptionSecrets.Pg(url, "--database-url", environmentVariable: null) : null;
            var reporting = common.Reporting(result);
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            var outcome = result.GetValue(kind) switch
            {
                "dump" => await RetentionRunner.RunAsync<BackupManifest>(store, BackupKind.Postgres, result.GetValue(database), policy, result.GetValue(options.DryRun), cancellationToken, reporting),
                "base" => await Engine.Physical.PitrRetention.RunAsync(store, result.GetValue(cluster) is { } c ? Engine.Wal.ClusterName.Validate(c) : null, policy, result.GetValue(options.DryRun), cancellationToken, reporting),
                var other => throw Engine.Errors.BackupOpsException.InvalidInput("PruneKindInvalid", $"--kind '{other}' is not a kind. Use dump or base."),
            };
            var cleaned = await LeftoverCleaner.CleanAsync(store, server, result.GetValue(options.TempDirectory), policy.LeftoverGrace, result.GetValue(options.DryRun), reporting.OnWarning, cancellationToken);
            return Report(store.Display, policy, outcome with { Actions = [.. outcome.Actions, .. cleaned] }, result.GetValue(options.DryRun), result.GetValue(common.Json));
        });
        return command;
    }

    /// <summary>Prints a retention outcome (shared with `redis prune`) and returns the exit code.</summary>
    public static int Report(string store, RetentionPolicy policy, RetentionOutcome outcome, bool dryRun, bool json)
    {
        if (json)
        {
            JsonOutput.Write(Console.Out, new PruneJson(
                store,
                policy.RetentionDays,
                policy.MinimumKeep,
                policy.VerifiedWithin.TotalHours,
                dryRun,
                outcome.Actions,
                outcome.Kept,
                outcome.Damaged,
                outcome.Refused,
                outcome.Locked,
                outcome.Anomalies,
                outcome.Proofs.Select(p => new PruneProofJson(p.BackupId, p.Source, p.Method, p.VerifiedUtc))));
        }
        else
        {
            foreach (var action in outcome.Actions)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(action.Removed ? "removed" : "would remove"),-12} {action.Key} ({action.Database ?? "-"}, {action.StartedUtc:yyyy-MM-dd HH:mm}, {Bytes.Format(action.SizeBytes)}): {action.Reason}"));
            }

            foreach (var kept in outcome.Locked)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"kept",-12} {kept.Key} ({kept.Database ?? "-"}, {kept.StartedUtc:yyyy-MM-dd HH:mm}): {kept.Reason}"));
            }

            foreach (var proof in outcome.Proofs)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"proven",-12} {proof.BackupId} ({proof.Source}): SHA-256 matched, read by {proof.Method} at {proof.VerifiedUtc:yyyy-MM-dd HH:mm} UTC"));
            }

            foreach (var anomaly in outcome.Anomalies)
            {
                Console.Out.WriteLine($"{"anomaly",-12} {anomaly.Description}");
            }

            Console.Out.WriteLine($"{outcome.Actions.Count} item(s) {(dryRun ? "would be removed" : "removed")}; kept {outcome.Kept} backup(s) (retention {policy.RetentionDays} days, at least {policy.MinimumKeep} proven whole per source).");
        }

        // Problems go to stderr as well, one line each, for cron mail and logs.
        foreach (var damaged in outcome.Damaged)
        {
            Console.Error.WriteLine($"backupops: error [BackupDamaged]: {damaged.Detail} It is never counted as a kept backup; restore and prune use older ones.");
        }

        foreach (var refusal in outcome.Refused)
        {
            Console.Error.WriteLine($"backupops: error [{refusal.ErrorId}]: {refusal.Reason}");
        }

        return outcome.NeedsAttention ? ExitCodes.Failed : ExitCodes.Success;
    }
}

/// <summary>The retention options `pg prune` and `redis prune` share.</summary>
internal sealed class PruneOptions
{
    public Option<int?> RetentionDays { get; } = new("--retention-days") { Description = "Remove backups older than this many days. Default: BACKUP_RETENTION_DAYS (required one way or the other)." };

    public Option<int> MinimumKeep { get; } = new("--minimum-keep") { Description = "Newest backups kept per source whatever their age (at least 1); they are proven whole (SHA-256 read back) before anything older goes.", DefaultValueFactory = _ => 1 };

    public Option<double?> VerifiedWithinHours { get; } = new("--verified-within-hours") { Description = "A verification younger than this (bound to the same manifest and unchanged data) spares re-reading a backup; 0 re-reads every backup relied on. Default: BACKUPOPS_VERIFIED_WITHIN_HOURS, else 24." };

    public Option<double> LeftoverGraceHours { get; } = new("--leftover-grace-hours") { Description = "Leftovers (partial files, open uploads, interrupted restores' databases, temp folders) younger than this are left alone.", DefaultValueFactory = _ => RetentionPolicy.DefaultLeftoverGrace.TotalHours };

    public Option<string?> TempDirectory { get; } = new("--temp-dir") { Description = "Where this machine's temporary folders are (leftover downloads are removed). Default: BACKUPOPS_TEMP or the system temp folder." };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "List what would be removed (proving what is kept, without recording it); remove nothing." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { RetentionDays, MinimumKeep, VerifiedWithinHours, LeftoverGraceHours, TempDirectory, DryRun })
        {
            command.Options.Add(option);
        }
    }

    public RetentionPolicy Policy(ParseResult result)
    {
        var policy = RetentionPolicy.Resolve(result.GetValue(RetentionDays), result.GetValue(MinimumKeep), RetentionPolicy.ParseHours(result.GetValue(LeftoverGraceHours), "--leftover-grace-hours"));
        return result.GetValue(VerifiedWithinHours) is { } hours ? policy with { VerifiedWithin = RetentionPolicy.ParseHours(hours, "--verified-within-hours") } : policy;
    }
}
