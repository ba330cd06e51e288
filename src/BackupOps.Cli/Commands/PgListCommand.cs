using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg list</c>: valid backups newest first; leftovers reported apart.</summary>
internal static class PgListCommand
{
    public static Command Create(CommonOptions common)
    {
        var database = new Option<string?>("--database") { Description = "Only this database's backups." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only backups started at or after this time (ISO 8601, UTC if no offset)." };
        var latest = new Option<bool>("--latest") { Description = "Only the newest backup of each database." };
        var kind = new Option<string>("--kind") { Description = "dump (pg_dump backups, the default) or base (base backups for point-in-time recovery, per cluster).", DefaultValueFactory = _ => "dump" };

        var command = new Command("list", "List the valid backups in a store, newest first, and any incomplete leftovers.");
        common.AddStore(command);
        foreach (var option in new Option[] { database, since, latest, kind, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            await using var store = StoreLocation.Open(result.GetValue(common.Store), common.S3(result));
            if (result.GetValue(kind) is "base")
            {
                return await ListBaseAsync(store, new BackupCatalog.Filter(result.GetValue(database), result.GetValue(since), result.GetValue(latest)), result.GetValue(common.Json), cancellationToken);
            }

            if (result.GetValue(kind) is not "dump")
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("ListKindInvalid", $"--kind '{result.GetValue(kind)}' is not a kind. Use dump or base.");
            }

            var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(result.GetValue(database), result.GetValue(since), result.GetValue(latest)), cancellationToken);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new
                {
                    store = store.Display,
                    backups = listing.Backups.Select(b => new { b.BackupId, b.Database, b.Manifest.StartedUtc, b.Manifest.SizeBytes, b.Manifest.Sha256, encrypted = b.Manifest.Encryption is not null, b.Manifest.DataKey, b.ManifestKey }),
                    leftovers = listing.Leftovers.Select(l => new { l.Key, l.Database, l.SizeBytes, l.LastModifiedUtc, l.Reason }),
                });
                return ExitCodes.Success;
            }

            Console.Out.WriteLine($"{"BACKUP ID",-27} {"DATABASE",-24} {"STARTED (UTC)",-20} {"SIZE",10}  ENC");
            foreach (var b in listing.Backups)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-24} {b.Manifest.StartedUtc:yyyy-MM-dd HH:mm:ss} {Bytes.Format(b.Manifest.SizeBytes),10}  {(b.Manifest.Encryption is null ? "-" : "age")}"));
            }

            if (listing.Leftovers.Count > 0)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine($"{listing.Leftovers.Count} leftover(s) that are not backups (removed by 'pg prune' after 24 h):");
                foreach (var l in listing.Leftovers)
                {
                    Console.Out.WriteLine($"  {l.Key}: {l.Reason}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> ListBaseAsync(IBackupStore store, BackupCatalog.Filter filter, bool json, CancellationToken cancellationToken)
    {
        var listing = await BackupCatalog.ListAsync<Engine.Physical.BaseBackupManifest>(store, BackupKind.PostgresBase, filter, cancellationToken);
        if (json)
        {
            JsonOutput.Write(Console.Out, new { store = store.Display, kind = "base", backups = listing.Backups.Select(b => new { b.BackupId, cluster = b.Database, b.Manifest.StartedUtc, b.Manifest.StopTimeUtc, b.Manifest.ServerVersion, b.Manifest.Timeline, b.Manifest.StartLsn, b.Manifest.StopLsn, b.Manifest.StartWalSegment, b.Manifest.StopWalSegment, b.Manifest.SizeBytes, b.Manifest.DataBytes, b.Manifest.Sha256, encrypted = b.Manifest.Encryption is not null, b.Manifest.DataKey, b.ManifestKey }), leftovers = listing.Leftovers.Select(l => new { l.Key, l.Database, l.SizeBytes, l.LastModifiedUtc, l.Reason }) });
            return ExitCodes.Success;
        }

        Console.Out.WriteLine($"{"BACKUP ID",-27} {"CLUSTER",-20} {"ENDED (UTC)",-20} {"TL",3} {"WAL FROM",-24} {"SIZE",10}  ENC");
        foreach (var b in listing.Backups)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-20} {b.Manifest.StopTimeUtc:yyyy-MM-dd HH:mm:ss} {b.Manifest.Timeline,3} {b.Manifest.StartWalSegment,-24} {Bytes.Format(b.Manifest.SizeBytes),10}  {(b.Manifest.Encryption is null ? "-" : "age")}"));
        }

        foreach (var l in listing.Leftovers)
        {
            Console.Out.WriteLine($"  leftover {l.Key}: {l.Reason}");
        }

        return ExitCodes.Success;
    }
}
