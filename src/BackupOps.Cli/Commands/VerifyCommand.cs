using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Cli.Commands;

/// <summary>
/// <c>backupops pg verify</c> / <c>redis verify</c>: read backups back from the store, prove them whole (SHA-256, size,
/// format header) and record when; status and prune use those records. Exit 1 when any is damaged.
/// </summary>
internal static class VerifyCommand
{
    public static Command CreatePg(CommonOptions common) =>
        Create<BackupManifest>(common, BackupKind.Postgres, "--database", "--backup-id", "Read PostgreSQL backups back from the store and prove them whole (SHA-256, size, header); record the result for status and prune.");

    public static Command CreateRedis(CommonOptions common) =>
        Create<RedisSnapshotManifest>(common, BackupKind.Redis, "--source", "--snapshot-id", "Read Redis snapshots back from the store and prove them whole (SHA-256, size, header); record the result for status and prune.");

    private static Command Create<TManifest>(CommonOptions common, BackupKind kind, string sourceName, string idName, string description)
        where TManifest : class, IBackupManifest
    {
        var source = new Option<string?>(sourceName) { Description = "Only this source." };
        var id = new Option<string?>(idName) { Description = "Only this backup." };
        var all = new Option<bool>("--all") { Description = "Every backup, not only the newest of each source (reads the whole catalog: as many bytes as the store holds)." };
        var command = new Command("verify", description);
        foreach (var option in new Option[] { source, id, all })
        {
            command.Options.Add(option);
        }

        common.AddStore(command);
        command.Options.Add(common.TrustedKeys);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            using var progress = new ConsoleProgress();
            var reporting = common.Reporting(result);
            var trusted = Engine.Signing.SigningKeys.LoadTrusted(common.TrustedKeyFiles(result));
            var records = await BackupVerifier.VerifyCatalogAsync<TManifest>(store, kind, result.GetValue(source), result.GetValue(id), result.GetValue(all), trusted, reporting.OnWarning, progress, cancellationToken);
            progress.Dispose();
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new VerifiedJson(store.Display, records));
            }
            else
            {
                foreach (var r in records)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(r.Passed ? "ok" : "DAMAGED"),-8} {r.BackupId} ({r.Source}, {Bytes.Format(r.ActualSizeBytes ?? 0)}){(r.Passed ? $", {r.Signature}" : ": " + r.Detail)}"));
                }

                Console.Out.WriteLine($"{records.Count(r => r.Passed)} of {records.Count} proven whole.");
            }

            foreach (var damaged in records.Where(r => !r.Passed))
            {
                Console.Error.WriteLine($"backupops: error [{(damaged.Signature?.StartsWith("BackupSignature", StringComparison.Ordinal) == true ? damaged.Signature : "BackupDamaged")}]: {damaged.Detail}");
            }

            return records.All(r => r.Passed) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }
}
