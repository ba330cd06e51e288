using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops status</c>: freshness of every source; exit 1 when anything is not healthy, for cron and monitoring.</summary>
internal static class StatusCommand
{
    public static Command Create(CommonOptions common)
    {
        var maxAge = new Option<double>("--max-age-hours") { Description = "A newest backup older than this is Stale (the seed's alert: 26).", DefaultValueFactory = _ => BackupStatusEngine.DefaultMaxAge.TotalHours };
        var expect = new Option<string[]>("--expect") { Description = "A source that must have backups even if none exist yet: postgresql:<database> or redis:<source> (a bare name means postgresql:<name>). Repeatable." };
        var metrics = new Option<string?>("--metrics-file") { Description = "Also write Prometheus metrics here (node_exporter textfile collector, e.g. /var/lib/node_exporter/backupops.prom)." };
        var environment = new Option<string?>("--environment") { Description = "Environment label for the metrics. Default: BACKUPOPS_ENVIRONMENT." };
        var interruptedAfter = new Option<double>("--interrupted-after-minutes") { Description = "A run silent for longer than this never finished (killed): its source is Failing (interrupted). Runs refresh their record every 5 minutes.", DefaultValueFactory = _ => BackupStatusEngine.DefaultInterruptedAfter.TotalMinutes };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Where this machine's temporary folders are (leftover downloads are listed). Default: BACKUPOPS_TEMP or the system temp folder." };
        var wal = new WalStatusOptions();
        var command = new Command("status", "Newest valid backup per database and Redis source, its age and health (Healthy, Stale, Missing, Failing), and each WAL archive's RPO and recoverable window. Exit 1 unless all are healthy.");
        wal.AddTo(command);
        foreach (var option in new Option[] { maxAge, expect, metrics, environment, interruptedAfter, tempDir })
        {
            command.Options.Add(option);
        }

        common.AddStore(command);
        command.Options.Add(common.TrustedKeys);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            // Options first (a password on the command line, an out-of-range number), then the store.
            var server = result.GetValue(wal.Server) is { Length: > 0 } url ? OptionSecrets.Pg(url, "--database-url", environmentVariable: null) : null;
            var now = DateTimeOffset.UtcNow;
            var minutes = result.GetValue(interruptedAfter);
            if (double.IsNaN(minutes) || minutes < 0 || minutes > 10080)
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("InterruptedAfterInvalid", $"--interrupted-after-minutes {minutes.ToString(CultureInfo.InvariantCulture)} is out of range; use 0 to 10080 (the default is {BackupStatusEngine.DefaultInterruptedAfter.TotalMinutes:0}).");
            }

            var hours = result.GetValue(maxAge);
            if (!(hours > 0 && hours <= 87600))
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("MaxAgeInvalid", $"--max-age-hours {hours.ToString(CultureInfo.InvariantCulture)} is out of range; use more than 0 and at most 87600 (ten years; the seed's alert is {BackupStatusEngine.DefaultMaxAge.TotalHours:0}).");
            }

            await using var store = StoreLocation.OpenExisting(result.GetValue(common.Store), common.S3(result));
            var report = await BackupStatusEngine.GetReportAsync(
                store,
                new StatusOptions
                {
                    MaxAge = TimeSpan.FromHours(hours),
                    Expected = result.GetValue(expect) ?? [],
                    InterruptedAfter = TimeSpan.FromMinutes(minutes),
                    Server = server,
                    TempDirectory = result.GetValue(tempDir),
                    TrustedKeyFiles = common.TrustedKeyFiles(result),
                },
                now,
                cancellationToken);
            var statuses = report.Sources;
            var archives = await wal.GetAsync(result, store, now, cancellationToken);
            if (result.GetValue(metrics) is { } path)
            {
                var label = result.GetValue(environment) ?? Environment.GetEnvironmentVariable("BACKUPOPS_ENVIRONMENT");
                await PrometheusMetrics.WriteAsync(path, PrometheusMetrics.Render(statuses, label, now, report.SignaturesChecked ? report.UnsignedRunRecordsIgnored : null) + Engine.Wal.WalStatusEngine.RenderMetrics(archives, label), cancellationToken);
            }

            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new StatusJson(store.Display, result.GetValue(maxAge), statuses, archives, report.Leftovers, report.SignaturesChecked, report.UnsignedRunRecordsIgnored));
            }
            else
            {
                Console.Out.WriteLine($"{"KIND",-11} {"SOURCE",-24} {"STATUS",-8} {"NEWEST BACKUP",-27} {"AGE",9} {"SIZE",10}");
                foreach (var s in statuses)
                {
                    var age = s.Age is { } a ? (a.TotalHours >= 48 ? $"{a.TotalDays:0.0} d" : $"{a.TotalHours:0.0} h") : "-";
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Kind,-11} {s.Source,-24} {s.State,-8} {s.NewestBackupId ?? "-",-27} {age,9} {(s.SizeBytes is { } b ? Bytes.Format(b) : "-"),10}"));
                    if (s.State != HealthState.Healthy && s.Reason is { } reason)
                    {
                        Console.Out.WriteLine($"  {reason}");
                    }
                }

                if (report.UnsignedRunRecordsIgnored > 0)
                {
                    Console.Out.WriteLine();
                    Console.Out.WriteLine(UnsignedLine(report.UnsignedRunRecordsIgnored));
                }

                if (report.Leftovers.Count > 0)
                {
                    Console.Out.WriteLine();
                    Console.Out.WriteLine($"{report.Leftovers.Count} leftover(s) to look at:");
                    foreach (var leftover in report.Leftovers)
                    {
                        Console.Out.WriteLine($"  {leftover}");
                    }
                }
            }

            if (!result.GetValue(common.Json))
            {
                WalStatusOptions.Print(archives);
            }

            return statuses.All(s => s.State == HealthState.Healthy) && archives.All(a => a.State == HealthState.Healthy) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>The line that says how many run records were ignored for want of a valid signature.</summary>
    internal static string UnsignedLine(int count) =>
        $"{count} unsigned run record{(count == 1 ? string.Empty : "s")} ignored (no valid signature by a trusted key: not written by a signing backup host; look at who can write to the store)";
}
