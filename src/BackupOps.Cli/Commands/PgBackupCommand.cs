using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Preflight;
using BackupOps.Engine.Restore;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg backup</c>: pg_dump streamed to the store, or --dry-run to check everything first.</summary>
internal static class PgBackupCommand
{
    public static Command Create(CommonOptions common)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the connection, pg_dump version, age and that the store is writable; back up nothing." };
        var compress = new Option<int>("--compress") { Description = "Compression level: zstd 0-19, pg_dump 0-9 (default 1; 0 stores the archive uncompressed).", DefaultValueFactory = _ => PgBackupRequest.DefaultCompressionLevel };
        var codec = new Option<string>("--codec") { Description = "zstd (default: pg_dump writes uncompressed and BackupOps compresses on a second core; restore by hand with zstd -d | pg_restore) or pg_dump (pg_dump's own zlib, as before).", DefaultValueFactory = _ => DumpCodecs.ZstdName };
        codec.AcceptOnlyFromAmong(DumpCodecs.ZstdName, "pg_dump");
        var noOwner = new Option<bool>("--no-owner") { Description = "pg_dump --no-owner." };
        var noPrivileges = new Option<bool>("--no-privileges") { Description = "pg_dump --no-privileges." };
        var tables = new Option<string[]>("--table") { Description = "Only these tables (pg_dump --table pattern); repeatable." };
        var excludeTables = new Option<string[]>("--exclude-table") { Description = "Leave these tables out; repeatable." };
        var critical = new Option<string[]>("--critical-table") { Description = "Record this table's exact row count in the manifest; restores compare against it. Repeatable." };
        var recipients = new Option<string[]>("--recipient") { Description = "Encrypt to this age public key (age1...); repeatable." };

        var command = new Command("backup", "Back up a PostgreSQL database (pg_dump --format=custom) to a folder or S3/R2.");
        common.AddConnection(command);
        common.AddStore(command);
        common.AddObjectLock(command);
        common.AddReporting(command);
        foreach (var option in new Option[] { dryRun, compress, codec, noOwner, noPrivileges, tables, excludeTables, critical, recipients, common.SigningKey, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var request = new PgBackupRequest
            {
                Connection = common.Connection(result),
                Store = result.GetValue(common.Store),
                S3 = common.BackupS3(result),
                CompressionLevel = result.GetValue(compress),
                Codec = DumpCodecs.Parse(result.GetValue(codec)) ?? PgBackupRequest.DefaultCodec,
                NoOwner = result.GetValue(noOwner),
                NoPrivileges = result.GetValue(noPrivileges),
                IncludeTables = result.GetValue(tables) ?? [],
                ExcludeTables = result.GetValue(excludeTables) ?? [],
                CriticalTables = result.GetValue(critical) ?? [],
                AgeRecipients = result.GetValue(recipients) ?? [],
                SigningKeyFile = result.GetValue(common.SigningKey),
                Reporting = common.Reporting(result),
            };
            var json = result.GetValue(common.Json);
            if (result.GetValue(dryRun))
            {
                var checks = await BackupPreflight.RunAsync(request, cancellationToken);
                if (json)
                {
                    JsonOutput.Write(Console.Out, new PreflightJson(true, checks));
                }
                else
                {
                    foreach (var check in checks)
                    {
                        Console.Out.WriteLine($"{(check.Outcome == CheckOutcome.Passed ? "ok  " : "FAIL")}  {check.Name}: {check.Detail}");
                    }
                }

                return checks.All(c => c.Outcome == CheckOutcome.Passed) ? ExitCodes.Success : ExitCodes.Failed;
            }

            using var progress = new ConsoleProgress();
            var backup = await PgBackupEngine.RunAsync(request, progress, cancellationToken);
            progress.Dispose();
            if (json)
            {
                JsonOutput.Write(Console.Out, new StoredManifestJson<Engine.Manifest.BackupManifest>(backup.Store, backup.ManifestKey, backup.Manifest));
            }
            else
            {
                var m = backup.Manifest;
                Console.Out.WriteLine($"Backed up {m.Database} as {m.BackupId}: {Bytes.Format(m.SizeBytes)} in {m.DurationSeconds:0.0} s");
                Console.Out.WriteLine($"  sha256 {m.Sha256}");
                Console.Out.WriteLine($"  {backup.Store}/{m.DataKey}{(m.Encryption is null ? string.Empty : $" (age, {m.Encryption.Recipients.Count} recipient(s))")}");
                if (m.Immutability is { } locked)
                {
                    Console.Out.WriteLine(System.FormattableString.Invariant($"  locked ({locked.Mode}) until {locked.RetainUntilUtc:yyyy-MM-dd HH:mm:ss}Z"));
                }
                Console.Out.WriteLine(m.SigningKey is null ? "  unsigned" : $"  signed by {m.SigningKey}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
