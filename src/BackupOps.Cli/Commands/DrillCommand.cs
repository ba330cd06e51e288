using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Drill;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops drill</c>: the monthly disaster-recovery drill; exit 1 when any check fails.</summary>
internal static class DrillCommand
{
    public static Command Create(CommonOptions common)
    {
        var config = new Option<string?>("--config") { Description = "The drill definition (JSON; 'backupops drill init' writes a starting point)." };
        var demo = new Option<bool>("--demo") { Description = "Start a disposable PostgreSQL and Redis with sample data, back them up and drill them; nothing to configure, all removed after." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only check credentials and reachability of every component." };
        var targetConnection = new Option<string?>("--target-connection") { Description = "Restore into this existing server instead of a disposable one." };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Folder for disposable servers and downloads." };
        var drill = new Command("drill", "Run the monthly disaster-recovery drill: restore, validate, sample, compare; write the JSON/JUnit reports and the Markdown log.");
        foreach (var option in new Option[] { config, demo, dryRun, targetConnection, tempDir })
        {
            drill.Options.Add(option);
        }

        common.AddS3(drill);
        drill.Options.Add(common.StallTimeoutSeconds);
        drill.Options.Add(common.TrustedKeys);
        drill.Options.Add(common.Json);
        drill.SetAction(async (result, cancellationToken) =>
        {
            using var progress = new ConsoleProgress();
            DrillReport report;
            if (result.GetValue(demo))
            {
                report = await DrillDemo.RunAsync(result.GetValue(tempDir), CliProcess.SelfCommand(), progress, cancellationToken);
            }
            else
            {
                // Options first: a password on the command line is refused before any file is read.
                var targetServer = result.GetValue(targetConnection) is { } target ? OptionSecrets.Pg(target, "--target-connection", environmentVariable: null) : null;
                var path = result.GetValue(config) ?? throw Engine.Errors.BackupOpsException.InvalidInput("DrillConfigMissing", "Give the drill definition with --config (or try --demo). 'backupops drill init --output drill.json' writes a starting point.");
                var definition = DrillConfig.Load(path);
                report = await DrillRunner.RunAsync(
                    new DrillRequest
                    {
                        Config = definition,
                        S3 = common.S3(result),
                        DryRun = result.GetValue(dryRun),
                        TargetConnection = targetServer,
                        TempDirectory = result.GetValue(tempDir),
                        FetchCommand = CliProcess.SelfCommand(),
                        TrustedKeyFiles = common.TrustedKeyFiles(result),
                    },
                    progress,
                    cancellationToken);
                var (json, junit) = DrillReportWriter.WriteAll(report, definition.ReportDirectory, definition.LogPath);
                Console.Error.WriteLine($"backupops: drill reports {json}, {junit}; log {definition.LogPath}");
            }

            progress.Dispose();
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, report);
            }
            else
            {
                Console.Out.WriteLine($"Drill of {report.Environment}{(report.DryRun ? " (dry run)" : string.Empty)}: {(report.Succeeded ? "PASSED" : "FAILED")} in {report.Duration.TotalSeconds:0.0} s{(report.TimeToRestore is { } t ? $", time to restore {t.TotalSeconds:0.0} s" : string.Empty)}");
                foreach (var check in report.Checks)
                {
                    Console.Out.WriteLine($"  {(check.Passed ? "PASSED" : "FAILED"),-7} {check.Name}: {(check.Passed ? check.Details : check.FailureReason)}");
                }
            }

            return report.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
        });

        var output = new Option<string>("--output") { Description = "Where to write the starting point.", DefaultValueFactory = _ => "drill.json" };
        var init = new Command("init", "Write a commented starting point for a drill definition (New-DrDrillConfig).");
        init.Options.Add(output);
        init.SetAction(result =>
        {
            var path = result.GetValue(output)!;
            if (File.Exists(path))
            {
                Console.Error.WriteLine($"backupops: error [DrillConfigExists]: {path} already exists; choose another --output.");
                return ExitCodes.BadInput;
            }

            File.WriteAllText(path, DrillConfig.StartingPoint + "\n");
            Console.Out.WriteLine($"Wrote {path}; edit it, then: backupops drill --config {path} --dry-run");
            return ExitCodes.Success;
        });
        drill.Subcommands.Add(init);
        return drill;
    }
}
