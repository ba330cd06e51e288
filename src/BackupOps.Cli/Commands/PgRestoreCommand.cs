using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Restore;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg restore</c>: verify, restore into a (new) database, validate.</summary>
internal static class PgRestoreCommand
{
    public static Command Create(CommonOptions common)
    {
        var backupId = new Option<string?>("--backup-id") { Description = "The backup to restore (from 'pg list')." };
        var latest = new Option<bool>("--latest") { Description = "Restore the newest valid backup of --database (default: the database in --database-url)." };
        var file = new Option<string?>("--file") { Description = "Restore a file instead: a BackupOps dump in a folder store, or a legacy .sql / .sql.gz dump." };
        var database = new Option<string?>("--database") { Description = "The source database whose backups to use (default: the database in --database-url)." };
        var target = new Option<string?>("--target-database") { Description = "Database to restore into; created when missing. Default: <database>_restore." };
        var jobs = new Option<int>("--jobs") { Description = "Parallel pg_restore jobs.", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Drop and replace a non-empty target database." };
        var identity = new Option<string?>("--identity") { Description = "age identity file for encrypted backups." };
        var critical = new Option<string[]>("--critical-table") { Description = "Check this table's exact row count; repeatable." };
        var smoke = new Option<string[]>("--smoke") { Description = "Smoke query with expectation: 'SELECT count(*) FROM events => > 0'; repeatable." };
        var preserve = new Option<bool>("--preserve-ownership") { Description = "Keep owners and grants from the dump (default: objects owned by the restoring user)." };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Folder for downloads from remote stores. Default: BACKUPOPS_TEMP or the system temp folder." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what the restore would do to the target; change nothing." };
        var pitr = new PgRestorePitrOptions();

        var command = new Command("restore", "Restore a backup into a database after verifying its SHA-256, then validate it.");
        common.AddConnection(command);
        common.AddStore(command);
        common.AddReporting(command);
        foreach (var option in new Option[] { backupId, latest, file, database, target, jobs, force, identity, critical, smoke, preserve, tempDir, dryRun, common.TrustedKeys, common.Json })
        {
            command.Options.Add(option);
        }

        pitr.AddTo(command);

        command.SetAction(async (result, cancellationToken) =>
        {
            if (pitr.Requested(result))
            {
                return await pitr.RunAsync(result, common, new PgRestorePitrOptions.Shared(force, identity, critical, smoke, tempDir, database, backupId), cancellationToken);
            }

            var server = common.Connection(result);
            var request = new PgRestoreRequest
            {
                TargetServer = server,
                Store = result.GetValue(common.Store),
                S3 = common.S3(result),
                BackupId = result.GetValue(backupId),
                Latest = result.GetValue(latest),
                Path = result.GetValue(file),
                SourceDatabase = result.GetValue(database) ?? (result.GetValue(latest) ? server.Database : null),
                TargetDatabase = result.GetValue(target),
                Jobs = result.GetValue(jobs),
                Force = result.GetValue(force),
                IdentityFile = result.GetValue(identity),
                CriticalTables = result.GetValue(critical) ?? [],
                SmokeQueries = [.. (result.GetValue(smoke) ?? []).Select(SmokeQuery.Parse)],
                PreserveOwnership = result.GetValue(preserve),
                TempDirectory = result.GetValue(tempDir),
                TrustedKeyFiles = common.TrustedKeyFiles(result),
                Reporting = common.Reporting(result),
            };
            var json = result.GetValue(common.Json);
            if (result.GetValue(dryRun))
            {
                var description = await PgRestoreEngine.DescribeAsync(request, cancellationToken);
                if (json)
                {
                    JsonOutput.Write(Console.Out, new WhatIfJson(true, description));
                }
                else
                {
                    Console.Out.WriteLine("What if: " + description);
                }

                return ExitCodes.Success;
            }

            using var progress = new ConsoleProgress();
            var restored = await PgRestoreEngine.RunAsync(request, progress, cancellationToken);
            progress.Dispose();
            if (json)
            {
                JsonOutput.Write(Console.Out, new PgRestoredJson(
                    restored.BackupId,
                    restored.SourceDatabase,
                    restored.TargetDatabase,
                    restored.TargetServer,
                    restored.CreatedDatabase,
                    restored.SizeBytes,
                    restored.DownloadDuration.TotalSeconds,
                    restored.RestoreDuration.TotalSeconds,
                    restored.ValidationDuration.TotalSeconds,
                    restored.Succeeded,
                    restored.Checks));
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Restored {restored.BackupId} into {restored.TargetDatabase} on {restored.TargetServer}: download {restored.DownloadDuration.TotalSeconds:0.0} s, restore {restored.RestoreDuration.TotalSeconds:0.0} s, validation {restored.ValidationDuration.TotalSeconds:0.0} s"));
                foreach (var check in restored.Checks)
                {
                    Console.Out.WriteLine($"  {check.Outcome.ToString().ToUpperInvariant(),-7} {check.Name}: {check.Detail}");
                }

                Console.Out.WriteLine(restored.Succeeded ? "Validation passed." : "VALIDATION FAILED: the restored database was kept for inspection.");
            }

            return restored.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }
}
