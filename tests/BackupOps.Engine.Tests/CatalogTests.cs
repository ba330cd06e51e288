using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Finding backups in a catalog with damaged and incomplete entries, on the RGW.</summary>
public sealed class CatalogTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Latest_and_by_id_skip_damaged_backups_and_a_listing_reports_them_as_leftovers()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("catalog");
        var store = $"s3://{bucket}/c";
        var source = await Pg.CreateDatabaseAsync("catalog");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 10);");
        var backups = new List<CatalogEntry<BackupManifest>>();
        for (var i = 0; i < 4; i++)
        {
            backups.Add(await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options }, null, default));
        }

        using var client = s3.CreateClient();
        // Newest: its manifest is not JSON. Second newest: its data object is gone.
        await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = "c/" + backups[3].ManifestKey, ContentBody = "{ truncated" });
        await client.DeleteObjectAsync(bucket, "c/" + backups[2].Manifest.DataKey);

        await using var opened = StoreLocation.Open(store, s3.Options);
        var latest = await BackupCatalog.FindLatestAsync<BackupManifest>(opened, BackupKind.Postgres, source, default);
        Assert.Equal(backups[1].BackupId, latest.BackupId);

        Assert.Equal(backups[0].BackupId, (await BackupCatalog.FindAsync(opened, backups[0].BackupId, source, default)).BackupId);
        Assert.Equal(backups[0].BackupId, (await BackupCatalog.FindAsync(opened, backups[0].BackupId, null, default)).BackupId);
        var damaged = await Assert.ThrowsAsync<BackupOpsException>(() => BackupCatalog.FindAsync(opened, backups[3].BackupId, source, default));
        Assert.Equal("BackupNotFound", damaged.ErrorId);
        Assert.Contains("not a valid backup", damaged.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<BackupOpsException>(() => BackupCatalog.FindAsync(opened, "20200101T000000000Z-abcdef", source, default));
        Assert.Contains("No backup", missing.Message, StringComparison.Ordinal);

        var listing = await BackupCatalog.ListAsync(opened, new BackupCatalog.Filter(source), default);
        Assert.Equal([backups[1].BackupId, backups[0].BackupId], listing.Backups.Select(b => b.BackupId));
        Assert.Contains(listing.Leftovers, l => l.Key == backups[3].ManifestKey && l.Reason.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(listing.Leftovers, l => l.Key == backups[3].Manifest.DataKey);
        Assert.Contains(listing.Leftovers, l => l.Key == backups[2].ManifestKey && l.Reason == "manifest without its data object");
    }
}
