using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Cli.Commands;

/// <summary>
/// <c>pg list</c>'s rows, printed as the catalog stream reads each manifest (a 1,000-backup catalog shows its newest
/// at once instead of after every manifest). Text columns have fixed widths, so rows printed apart still line up;
/// --json streams the elements of one valid document. Leftovers and anomalies come after the last row.
/// </summary>
internal static class PgListOutput
{
    public static async Task<int> DumpsAsync(IBackupStore store, BackupCatalog.Filter filter, bool json, CancellationToken cancellationToken)
    {
        var verified = await VerificationRecords.ListAsync(store, BackupKind.Postgres, filter.Database, cancellationToken);
        var leftovers = new List<BackupLeftover>();
        var anomalies = new List<CatalogAnomaly>();
        var signed = false;
        var rows = BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, filter, cancellationToken);
        if (json)
        {
            using var output = new JsonStream(Console.Out);
            output.Json.WriteStartObject();
            output.Property("store", store.Display);
            output.Json.WriteStartArray("backups");
            output.Flush();
            await foreach (var item in rows)
            {
                if (Collect(item, leftovers, anomalies) is { } b)
                {
                    output.Value(new PgListedJson(
                        b.BackupId,
                        b.Database,
                        b.Manifest.StartedUtc,
                        b.Manifest.SizeBytes,
                        b.Manifest.Sha256,
                        b.Manifest.Encryption is not null,
                        b.Manifest.DataKey,
                        b.ManifestKey,
                        verified.TryGetValue((b.Database, b.BackupId), out var v) ? new ListedVerificationJson(v.Outcome, v.WrittenUtc) : null,
                        b.Manifest.SigningKey,
                        false));
                    output.Flush();
                }
            }

            output.Json.WriteEndArray();
            EndJson(output, leftovers, anomalies);
            return ExitCodes.Success;
        }

        Console.Out.WriteLine($"{"BACKUP ID",-27} {"DATABASE",-24} {"STARTED (UTC)",-20} {"SIZE",10}  ENC  {"VERIFIED",-16}  SIGNED");
        await foreach (var item in rows)
        {
            if (Collect(item, leftovers, anomalies) is not { } b)
            {
                continue;
            }

            var state = verified.TryGetValue((b.Database, b.BackupId), out var v)
                ? v.Outcome == VerificationRecord.PassedOutcome ? string.Create(CultureInfo.InvariantCulture, $"{v.WrittenUtc:yyyy-MM-dd HH:mm}") : "DAMAGED"
                : "-";
            signed |= b.Manifest.SigningKey is not null;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-24} {b.Manifest.StartedUtc:yyyy-MM-dd HH:mm:ss} {Bytes.Format(b.Manifest.SizeBytes),10}  {(b.Manifest.Encryption is null ? "-  " : "age")}  {state,-16}  {(b.Manifest.SigningKey is null ? "-" : "signed " + b.Manifest.SigningKey[..Math.Min(b.Manifest.SigningKey.Length, 23)])}"));
        }

        if (signed)
        {
            Console.Out.WriteLine("SIGNED is what each manifest claims, not checked here: 'backupops pg verify --trusted-key <key.pub>' checks the signatures, and restore with --trusted-key requires them.");
        }

        if (leftovers.Count + anomalies.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine($"{leftovers.Count} leftover(s) that are not backups (removed by 'pg prune' after 24 h) and {anomalies.Count} anomaly(ies) (never removed; prune leaves their sources alone):");
            WriteProblems(leftovers, anomalies, "  ");
        }

        return ExitCodes.Success;
    }

    public static async Task<int> BaseAsync(IBackupStore store, BackupCatalog.Filter filter, bool json, CancellationToken cancellationToken)
    {
        var leftovers = new List<BackupLeftover>();
        var anomalies = new List<CatalogAnomaly>();
        var rows = BackupCatalog.StreamAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, filter, cancellationToken);
        if (json)
        {
            using var output = new JsonStream(Console.Out);
            output.Json.WriteStartObject();
            output.Property("store", store.Display);
            output.Property("kind", "base");
            output.Json.WriteStartArray("backups");
            output.Flush();
            await foreach (var item in rows)
            {
                if (Collect(item, leftovers, anomalies) is { } b)
                {
                    output.Value(new BaseListedJson(b.BackupId, b.Database, b.Manifest.StartedUtc, b.Manifest.StopTimeUtc, b.Manifest.ServerVersion, b.Manifest.Timeline, b.Manifest.StartLsn, b.Manifest.StopLsn, b.Manifest.StartWalSegment, b.Manifest.StopWalSegment, b.Manifest.SizeBytes, b.Manifest.DataBytes, b.Manifest.Sha256, b.Manifest.Encryption is not null, b.Manifest.DataKey, b.ManifestKey));
                    output.Flush();
                }
            }

            output.Json.WriteEndArray();
            EndJson(output, leftovers, anomalies);
            return ExitCodes.Success;
        }

        Console.Out.WriteLine($"{"BACKUP ID",-27} {"CLUSTER",-20} {"ENDED (UTC)",-20} {"TL",3} {"WAL FROM",-24} {"SIZE",10}  ENC");
        await foreach (var item in rows)
        {
            if (Collect(item, leftovers, anomalies) is { } b)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.BackupId,-27} {b.Database,-20} {b.Manifest.StopTimeUtc:yyyy-MM-dd HH:mm:ss} {b.Manifest.Timeline,3} {b.Manifest.StartWalSegment,-24} {Bytes.Format(b.Manifest.SizeBytes),10}  {(b.Manifest.Encryption is null ? "-" : "age")}"));
            }
        }

        WriteProblems(leftovers, anomalies, "  leftover ");
        return ExitCodes.Success;
    }

    // A backup to print now, or null after keeping a leftover or anomaly for the end.
    private static CatalogEntry<TManifest>? Collect<TManifest>(CatalogItem<TManifest> item, List<BackupLeftover> leftovers, List<CatalogAnomaly> anomalies)
        where TManifest : IBackupManifest
    {
        if (item.Leftover is not null && !leftovers.Exists(l => l.Key == item.Leftover.Key))
        {
            leftovers.Add(item.Leftover);
        }

        if (item.Anomaly is not null)
        {
            anomalies.Add(item.Anomaly);
        }

        return item.Backup;
    }

    private static void EndJson(JsonStream output, List<BackupLeftover> leftovers, List<CatalogAnomaly> anomalies)
    {
        output.Property<IEnumerable<StoreLeftoverJson>>("leftovers", leftovers.OrderBy(l => l.Key, StringComparer.Ordinal).Select(StoreLeftoverJson.Of));
        output.Property<IEnumerable<CatalogAnomaly>>("anomalies", anomalies.OrderBy(a => a.Key, StringComparer.Ordinal));
        output.Json.WriteEndObject();
        output.Complete();
    }

    private static void WriteProblems(List<BackupLeftover> leftovers, List<CatalogAnomaly> anomalies, string leftoverPrefix)
    {
        foreach (var l in leftovers.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Console.Out.WriteLine($"{leftoverPrefix}{l.Key}: {l.Reason}");
        }

        foreach (var a in anomalies.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Console.Out.WriteLine($"  {a.Description}");
        }
    }
}
