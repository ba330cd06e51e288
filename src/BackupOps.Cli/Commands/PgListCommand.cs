using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Leftovers;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg list</c>: valid backups newest first with when each was last proven whole, each row printed as its manifest is read; leftovers and anomalies reported apart.</summary>
internal static class PgListCommand
{
    public static Command Create(CommonOptions common)
    {
        var database = new Option<string?>("--database") { Description = "Only this database's backups." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only backups started at or after this time (ISO 8601, UTC if no offset)." };
        var latest = new Option<bool>("--latest") { Description = "Only the newest backup of each database." };
        var leftovers = new Option<bool>("--leftovers") { Description = "List what is not a backup instead: store leftovers, copies and links in the catalog, databases interrupted restores left on the server (--database-url or DATABASE_URL), and this machine's leftover temp folders." };
        var kind = new Option<string>("--kind") { Description = "dump (pg_dump backups, the default) or base (base backups for point-in-time recovery, per cluster).", DefaultValueFactory = _ => "dump" };
        var limit = new Option<int?>("--limit") { Description = "Only the newest N backups (with --latest: of the newest per database); manifests beyond them are not read." };
        var tempDir = new Option<string?>("--temp-dir") { Description = "With --leftovers: where this machine's temporary folders are. Default: BACKUPOPS_TEMP or the system temp folder." };

        var command = new Command("list", "List the valid backups in a store, newest first, and any incomplete leftovers.");
        common.AddStore(command);
        common.AddConnection(command);
        foreach (var option in new Option[] { database, since, latest, limit, kind, leftovers, tempDir, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var count = result.GetValue(limit);
            if (count is < 1)
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("ListLimitInvalid", string.Create(CultureInfo.InvariantCulture, $"--limit {count} is not a number of backups. Give 1 or more (the newest N are listed), or leave it out to list them all."));
            }

            if (count is not null && result.GetValue(leftovers))
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("ListLimitWithLeftovers", "--limit counts backups and --leftovers lists no backups. Leave one of them out.");
            }

            var filter = new BackupCatalog.Filter(result.GetValue(database), result.GetValue(since), result.GetValue(latest)) { Limit = count };
            await using var store = StoreLocation.OpenExisting(result.GetValue(common.Store), common.S3(result));
            if (result.GetValue(kind) is "base")
            {
                return await PgListOutput.BaseAsync(store, filter, result.GetValue(common.Json), cancellationToken);
            }

            if (result.GetValue(kind) is not "dump")
            {
                throw Engine.Errors.BackupOpsException.InvalidInput("ListKindInvalid", $"--kind '{result.GetValue(kind)}' is not a kind. Use dump or base.");
            }

            if (result.GetValue(leftovers))
            {
                var listing = await BackupCatalog.ListAsync(store, filter, cancellationToken);
                await ListLeftoversAsync(common, result, store, listing, result.GetValue(tempDir), cancellationToken);
                return ExitCodes.Success;
            }

            return await PgListOutput.DumpsAsync(store, filter, result.GetValue(common.Json), cancellationToken);
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
            JsonOutput.Write(Console.Out, new LeftoversJson(
                store.Display,
                listing.Leftovers.Select(StoreLeftoverJson.Of),
                listing.Anomalies,
                databases?.Select(d => new LeftoverDatabaseJson(d.Name, d.Role, d.Server, d.SizeBytes, d.CreatedUtc, d.MadeByBackupOps, d.KnownFromRunRecord, d.Sessions, d.Holds, d.Comment)),
                folders.Select(f => new TempFolderJson(f.Path, f.Purpose, f.SizeBytes, f.CreatedUtc, f.OwnerRunning, f.ServerProcessId, f.Removable))));
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
}
