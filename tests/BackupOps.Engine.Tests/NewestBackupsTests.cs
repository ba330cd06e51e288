using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using BackupOps.Engine.Verification;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// <c>pg list --latest</c> and <c>status</c> read manifests newest first per source and stop at the first one they
/// accept (issue #16: bounded requests whatever the catalog size), and still see what the key listing tells:
/// a data object with no manifest, and a damaged newest backup is skipped, never reported as the newest.
/// </summary>
public sealed class NewestBackupsTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Latest_reads_one_manifest_per_source_whatever_the_catalog_size_and_still_reports_an_orphan()
    {
        using var folder = new TempFolder();
        var (busy, quiet) = (await TinyDatabaseAsync("newest_busy"), await TinyDatabaseAsync("newest_quiet"));
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(busy), Store = folder.Path }, null, default)).BackupId);
        }

        var quietId = (await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(quiet), Store = folder.Path }, null, default)).BackupId;
        var orphan = Path.Combine(folder.Path, "pg", busy, "20200101T000000000Z-abcdef.dump.zst");
        await File.WriteAllTextAsync(orphan, "left by a killed backup");

        await using var store = new CountingStore(new LocalDirectoryStore(folder.Path));
        var latest = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(LatestOnly: true), default);

        Assert.Equal(new HashSet<string> { ids[^1], quietId }, latest.Backups.Select(b => b.BackupId).ToHashSet());
        Assert.Equal(2, store.ManifestReads);
        var left = Assert.Single(latest.Leftovers);
        Assert.EndsWith("20200101T000000000Z-abcdef.dump.zst", left.Key, StringComparison.Ordinal);

        // The full listing still reads them all and agrees on the newest of each source.
        var all = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(6, all.Backups.Count);
        Assert.Equal(latest.Leftovers.Select(l => l.Key), all.Leftovers.Select(l => l.Key));
    }

    [Fact]
    public async Task A_newest_backup_recorded_damaged_is_read_past_and_the_next_one_is_the_newest_accepted()
    {
        using var folder = new TempFolder();
        var db = await TinyDatabaseAsync("newest_damaged");
        var older = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = folder.Path }, null, default);
        var newest = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = folder.Path }, null, default);
        await using var store = new CountingStore(new LocalDirectoryStore(folder.Path));
        var entry = await BackupCatalog.FindAsync(store, newest.BackupId, db, default);
        await BackupVerifier.RecordAsync(store, BackupKind.Postgres, entry, "verify", "its SHA-256 does not match", null);
        var records = await VerificationRecords.ListAsync(store, BackupKind.Postgres, db, default);
        store.ManifestReads = 0;

        var listing = await BackupCatalog.ListNewestAsync<BackupManifest>(store, BackupKind.Postgres, null, b => Task.FromResult(!records.TryGetValue((b.Database, b.BackupId), out var r) || r.Outcome != VerificationRecord.FailedOutcome), default);

        Assert.Equal([newest.BackupId, older.BackupId], listing.Backups.Select(b => b.BackupId).ToArray());
        Assert.Equal(2, store.ManifestReads);
    }

    private static async Task<string> TinyDatabaseAsync(string purpose)
    {
        var db = await Pg.CreateDatabaseAsync(purpose);
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)");
        return db;
    }
}
