using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Leftovers;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg list</c>: valid backups newest first with when each was last proven whole; leftovers and anomalies reported apart.</summary>
internal static class PgListCommand
{
    public static Command Create(CommonOptions common)
    {
        var database = new Option<string?>("--database") { Description = "Only this database's backups." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only backups started at or after this time (ISO 8601, UTC if no offset)." };
        var latest = new Option<bool>("--latest") { Description = "Only the newest backup of each database." };
        var leftovers = new Option<bool>("--leftovers") { Description = "List what is not a backup instead: store leftovers, copies and links in the catalog, databases interrupted restores left on the server (--database-url or DATABASE_URL), and this machine's leftover temp folders." };
        var kind = new Option<string>("--kind") { Description = "dump (pg_dump backups, the default) or base (base backups for point-in-time recovery, per cluster).", DefaultValueFactory = _ => "dump" };
        var tempDir = new Option<string?>("--temp-dir") { Description = "With --leftovers: where this machine's temporary folders are. Default: BACKUPOPS_TEMP or the system temp folder." };

        var command = new Command("list", "List the valid backups in a store, newest first, and any incomplete leftovers.");
        common.AddStore(command);
        common.AddConnection(command);
        foreach (var option in new Option[] { database, since, latest, kind, leftovers, tempDir, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            await using var store = StoreLocation.OpenExisting(result.GetValue(common.Store), common.S3(result));
            if (result.GetValue(kind) is "base")
            {
                return await ListBaseAsync(store, new BackupCatalog.Filter(result.GetValue(database), result.GetValue(since), result.GetValue(latest)), result.GetValue(common.Json), cancellationToken);
            }

            if (result.GetValue(kind) is not "dump")
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("ListKindInvalid", $"--kind '{result.GetValue(kind)}' is not a kind. Use dump or base.");
            }

            var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(result.GetValue(database), result.GetValue(since), result.GetValue(latest)), cancellationToken);
            if (result.GetValue(leftovers))
            {
                await ListLeftoversAsync(common, result, store, listing, result.GetValue(tempDir), cancellationToken);
                return ExitCodes.Success;
            }

            var verified = await VerificationRecords.ListAsync(store, BackupKind.Postgres, result.GetValue(database), cancellationToken);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new
                {
                    store = store.Display,
                    backups = listing.Backups.Select(b => new
                    {
                        b.BackupId,
                        b.Database,
                        b.Manifest.StartedUtc,
                        b.Manifest.SizeBytes,
                        b.Manifest.Sha256,
                        encrypted = b.Manifest.Encryption is not null,
                        b.Manifest.DataKey,
                        b.ManifestKey,
                        verification = verified.TryGetValue((b.Database, b.BackupId), out var v) ? new { v.Outcome, at = v.WrittenUtc } : null,
                        signingKey = b.Manifest.SigningKey,
                        signatureChecked = false,
                    }),
                    leftovers = listing.Leftovers.Select(l => new { l.Key, l.Database, l.SizeBytes, l.LastModifiedUtc, l.Reason }),
                    anomalies = listing.Anomalies,
                });
                return ExitCodes.Success;
            }

            Console.Out.WriteLine($"{"BACKUP ID",-27} {"DATABASE",-24} {"STARTED (UTC)",-20} {"SIZE",10}  ENC  {"VERIFIED",-16}  SIGNED");
            foreach (var b in listing.Backups)
            {
                var state = verified.TryGetValue((b.Database, b.BackupId), out var v)
                    ? v.Outcome == VerificationRecord.PassedOutcome ? string.Create(CultureInfo.InvariantCulture, $"{v.WrittenUtc:yyyy-MM-dd HH:mm}") : "DAMAGED"
                    : "-";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-24} {b.Manifest.StartedUtc:yyyy-MM-dd HH:mm:ss} {Bytes.Format(b.Manifest.SizeBytes),10}  {(b.Manifest.Encryption is null ? "-  " : "age")}  {state,-16}  {(b.Manifest.SigningKey is null ? "-" : "signed " + b.Manifest.SigningKey[..Math.Min(b.Manifest.SigningKey.Length, 23)])}"));
            }

            if (listing.Backups.Any(b => b.Manifest.SigningKey is not null))
            {
                Console.Out.WriteLine("SIGNED is what each manifest claims, not checked here: 'backupops pg verify --trusted-key <key.pub>' checks the signatures, and restore with --trusted-key requires them.");
            }

            if (listing.Leftovers.Count + listing.Anomalies.Count > 0)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine($"{listing.Leftovers.Count} leftover(s) that are not backups (removed by 'pg prune' after 24 h) and {listing.Anomalies.Count} anomaly(ies) (never removed; prune leaves their sources alone):");
                foreach (var l in listing.Leftovers)
                {
                    Console.Out.WriteLine($"  {l.Key}: {l.Reason}");
                }

                foreach (var a in listing.Anomalies)
                {
                    Console.Out.WriteLine($"  {a.Description}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task ListLeftoversAsync(CommonOptions common, ParseResult result, IBackupStore store, CatalogListing<Engine.Manifest.BackupManifest> listing, string? tempDirectory, CancellationToken cancellationToken)
    {
        var option = result.GetValue(common.DatabaseUrl);
        var url = option ?? Environment.GetEnvironmentVariable("DATABASE_URL");
        var databases = string.IsNullOrWhiteSpace(url) ? null : await LeftoverDatabases.ListAsync(option is null ? PgConnectionSettings.Parse(url) : OptionSecrets.Pg(option, "--database-url"), null, await LeftoverDatabases.AnnouncedByRunsAsync(store, cancellationToken), cancellationToken);
        var folders = TempLeftovers.List(tempDirectory);
        if (result.GetValue(common.Json))
        {
            JsonOutput.Write(Console.Out, new
            {
                store = store.Display,
                leftovers = listing.Leftovers.Select(l => new { l.Key, l.Database, l.SizeBytes, l.LastModifiedUtc, l.Reason }),
                anomalies = listing.Anomalies,
                databases = databases?.Select(d => new { d.Name, d.Role, d.Server, d.SizeBytes, d.CreatedUtc, d.MadeByBackupOps, d.KnownFromRunRecord, d.Sessions, d.Holds, d.Comment }),
                temporaryFolders = folders.Select(f => new { f.Path, f.Purpose, f.SizeBytes, f.CreatedUtc, f.OwnerRunning, f.ServerProcessId, f.Removable }),
            });
            return;
        }

        Console.Out.WriteLine($"In {store.Display}:");
        foreach (var l in listing.Leftovers)
        {
            Console.Out.WriteLine($"  {l.Key}: {l.Reason}");
        }

        foreach (var a in listing.Anomalies)
        {
            Console.Out.WriteLine($"  {a.Description}");
        }

        Console.Out.WriteLine(databases is null ? "Databases: not checked (give --database-url or set DATABASE_URL)." : $"Databases on the server: {databases.Count}");
        foreach (var d in databases ?? [])
        {
            Console.Out.WriteLine($"  {LeftoverDatabases.Describe(d)}");
        }

        Console.Out.WriteLine($"Temporary folders on this machine: {folders.Count}");
        foreach (var f in folders)
        {
            Console.Out.WriteLine($"  {TempLeftovers.Describe(f)}");
        }
    }

    private static async Task<int> ListBaseAsync(IBackupStore store, BackupCatalog.Filter filter, bool json, CancellationToken cancellationToken)
    {
        var listing = await BackupCatalog.ListAsync<Engine.Physical.BaseBackupManifest>(store, BackupKind.PostgresBase, filter, cancellationToken);
        if (json)
        {
            JsonOutput.Write(Console.Out, new { store = store.Display, kind = "base", backups = listing.Backups.Select(b => new { b.BackupId, cluster = b.Database, b.Manifest.StartedUtc, b.Manifest.StopTimeUtc, b.Manifest.ServerVersion, b.Manifest.Timeline, b.Manifest.StartLsn, b.Manifest.StopLsn, b.Manifest.StartWalSegment, b.Manifest.StopWalSegment, b.Manifest.SizeBytes, b.Manifest.DataBytes, b.Manifest.Sha256, encrypted = b.Manifest.Encryption is not null, b.Manifest.DataKey, b.ManifestKey }), leftovers = listing.Leftovers.Select(l => new { l.Key, l.Database, l.SizeBytes, l.LastModifiedUtc, l.Reason }), anomalies = listing.Anomalies });
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

        foreach (var a in listing.Anomalies)
        {
            Console.Out.WriteLine($"  {a.Description}");
        }

        return ExitCodes.Success;
    }
}
