using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Wal;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg wal setup [--check]</c>: the postgresql.conf lines for archiving, and proof they work.</summary>
internal static class PgWalSetupCommand
{
    public static Command Create(CommonOptions common)
    {
        var cluster = PgWalCommands.ClusterOption();
        var rpo = new Option<int>("--rpo-minutes") { Description = "The recovery point objective archive_timeout is sized from (the seed: 15).", DefaultValueFactory = _ => 15 };
        var spool = new Option<string?>("--spool-dir") { Description = "Archive asynchronously through this spool (default for S3 stores: /var/spool/backupops/<cluster>)." };
        var sync = new Option<bool>("--sync") { Description = "Archive synchronously even to S3 (each segment uploaded before archive_command returns)." };
        var envFile = PgWalCommands.EnvFileOption();
        var check = new Option<bool>("--check") { Description = "Prove the settings on the running server: check them, force a segment switch (pg_switch_wal) and wait for the segment to arrive in the store, verified." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds --check waits for the segment.", DefaultValueFactory = _ => 60 };
        var command = new Command("setup", "Print the postgresql.conf lines for continuous archiving to the store; --check proves them on a running server.");
        common.AddConnection(command);
        common.AddStore(command);
        foreach (var option in new Option[] { cluster, rpo, spool, sync, envFile, check, timeout, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var option = result.GetValue(common.DatabaseUrl);
            var url = option ?? Environment.GetEnvironmentVariable("DATABASE_URL");
            var connection = string.IsNullOrWhiteSpace(url) ? null : option is null ? Engine.Connection.PgConnectionSettings.Parse(url) : OptionSecrets.Pg(option, "--database-url");
            var name = ClusterName.Validate(result.GetValue(cluster) ?? (connection is null ? null : ClusterName.Default(connection.Host, connection.Port)));
            var storeSpec = result.GetValue(common.Store) ?? Engine.Stores.StoreLocation.DefaultSpec;
            var isS3 = storeSpec.Contains("://", StringComparison.Ordinal);
            var spoolDir = result.GetValue(sync) ? null : result.GetValue(spool) ?? (isS3 ? $"/var/spool/backupops/{name}" : null);
            var plan = WalSetup.Plan(new WalSetupRequest
            {
                Cluster = name,
                Store = isS3 ? storeSpec : Path.GetFullPath(storeSpec),
                Command = CliProcess.SelfCommand(),
                SpoolDirectory = spoolDir,
                EnvFile = result.GetValue(envFile),
                RpoMinutes = result.GetValue(rpo),
                S3Endpoint = result.GetValue(common.S3Endpoint),
                S3Provider = result.GetValue(common.S3Provider),
            });
            if (!result.GetValue(check))
            {
                if (result.GetValue(common.Json))
                {
                    JsonOutput.Write(Console.Out, plan);
                }
                else
                {
                    Console.Out.WriteLine($"# postgresql.conf for cluster '{name}', archiving to {plan.Store} (then restart PostgreSQL: archive_mode needs it)");
                    foreach (var (key, value) in plan.Settings)
                    {
                        Console.Out.WriteLine($"{key} = {value}");
                    }

                    Console.Out.WriteLine();
                    foreach (var note in plan.Notes)
                    {
                        Console.Out.WriteLine("# " + note);
                    }
                }

                return ExitCodes.Success;
            }

            CliProcess.LoadEnvironmentFile(result.GetValue(envFile));
            var checks = await WalSetup.CheckAsync(connection ?? common.Connection(result), name, result.GetValue(common.Store), common.S3(result), TimeSpan.FromSeconds(result.GetValue(timeout)), cancellationToken);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new WalChecksJson(name, checks));
            }
            else
            {
                foreach (var c in checks)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(c.Outcome == Engine.Restore.CheckOutcome.Passed ? "ok  " : c.Outcome == Engine.Restore.CheckOutcome.Warning ? "warn" : "FAIL")}  {c.Name}: {c.Detail}"));
                }
            }

            return checks.Any(c => c.Outcome == Engine.Restore.CheckOutcome.Failed) ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }
}
