using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>Shared steps of the point-in-time tests: a writer with a base backup taken while it runs, and store paths.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class Pitr
{
    /// <summary>
    /// Commits <paramref name="rows"/> rows one transaction at a time (a few ms apart), takes a base backup after
    /// <paramref name="backupAfter"/> rows while the writer goes on, then closes and archives the last segment.
    /// Returns each row's commit time (track_commit_timestamp, the clock recovery_target_time compares with).
    /// </summary>
    public static async Task<(List<DateTimeOffset> Commits, string BackupId)> WriteWithBaseBackupMidStreamAsync(ArchivingPostgres pg, string store, int rows, int backupAfter, Stores.S3StoreOptions? s3 = null)
    {
        await pg.ExecuteAsync("CREATE TABLE events (id int PRIMARY KEY, note text NOT NULL)");
        Task<CatalogEntry<BaseBackupManifest>>? backup = null;
        for (var i = 1; i <= rows; i++)
        {
            await pg.ExecuteAsync($"INSERT INTO events VALUES ({i}, 'row {i} ' || repeat(md5(random()::text), 20))");
            if (i == backupAfter)
            {
                backup = BaseBackupEngine.RunAsync(new BaseBackupRequest { Connection = pg.Settings(), Cluster = pg.Cluster, Store = store, S3 = s3, Reporting = new Health.RunReporting { RecordRuns = false } }, null, CancellationToken.None);
            }

            await Task.Delay(i % 5 == 0 ? 300 : 15);
        }

        var taken = await backup!;

        // Two more closed segments, so every segment after the backup has a successor (a deleted last segment is
        // indistinguishable from one not yet archived; one in the middle is a gap).
        for (var i = 0; i < 2; i++)
        {
            await pg.ExecuteAsync($"CREATE TABLE IF NOT EXISTS marks (n int); INSERT INTO marks VALUES ({i})");
            await pg.WaitArchivedAsync(await pg.SwitchWalAsync());
        }

        var commits = new List<DateTimeOffset>();
        await using var connection = new Npgsql.NpgsqlConnection(pg.Settings().ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT pg_xact_commit_timestamp(xmin) FROM events ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            commits.Add(new DateTimeOffset(reader.GetDateTime(0).ToUniversalTime(), TimeSpan.Zero));
        }

        return (commits, taken.BackupId);
    }

    public static async Task<BaseBackupManifest> BaseBackupAsync(string store, string cluster, string backupId)
    {
        await using var opened = StoreLocation.Open(store);
        return (await BackupCatalog.FindAsync<BaseBackupManifest>(opened, BackupKind.PostgresBase, backupId, cluster, CancellationToken.None)).Manifest;
    }

    public static string ObjectPath(string store, string cluster, string walName) =>
        Path.Combine(store, WalArchiveKeys.KeyOf(cluster, WalFileName.Parse(walName), WalCodec.Zstd, encrypted: false));

    /// <summary>Archived segments after <paramref name="walName"/>, oldest first.</summary>
    public static IEnumerable<string> SegmentsAfter(string store, string cluster, string walName) =>
        Directory.GetFiles(Path.Combine(store, "wal", cluster), "*.zst", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Select(f => f![..^4]).Where(n => n.Length == 24 && string.CompareOrdinal(n, walName) > 0).Order(StringComparer.Ordinal);
}
