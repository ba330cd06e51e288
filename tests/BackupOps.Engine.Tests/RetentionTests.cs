using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Retention against real backups in a folder and in RGW: the newest valid backup always survives.</summary>
public sealed class RetentionTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Retention_removes_old_backups_and_leftovers_but_never_the_newest_valid_one()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("retain");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
        var request = new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path };
        var first = await PgBackupEngine.RunAsync(request, null, default);
        var second = await PgBackupEngine.RunAsync(request, null, default);
        var newest = await PgBackupEngine.RunAsync(request, null, default);
        // A leftover from a crashed backup: data without a manifest.
        var orphan = Path.Combine(folder.Path, BackupKeys.DataKey(source, BackupKeys.NewBackupId(DateTimeOffset.UtcNow.AddDays(-3)), false));
        await File.WriteAllTextAsync(orphan, "half a dump");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddDays(-3));

        var store = new LocalDirectoryStore(folder.Path);
        var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(3, listing.Backups.Count);
        Assert.Single(listing.Leftovers);

        // 100 days from now every backup is past a 14-day retention; only the newest survives.
        var retention = await PruneEngine.PlanAsync(store, BackupKind.Postgres, listing, null, RetentionPolicy.Resolve(14), DateTimeOffset.UtcNow.AddDays(100), writeRecords: true, null, null, default);
        var plan = retention.Actions;
        Assert.Equal([first.BackupId, second.BackupId, Path.GetRelativePath(folder.Path, orphan)], plan.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.All(plan, p => Assert.False(p.Removed));
        Assert.Equal(newest.BackupId, Assert.Single(retention.Proofs).BackupId);

        // Planning (-WhatIf) changed nothing.
        Assert.Equal(3, (await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default)).Backups.Count);

        var done = await PruneEngine.ApplyAsync(store, BackupKind.Postgres, listing, plan, default);
        Assert.All(done, p => Assert.True(p.Removed));
        var after = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(newest.BackupId, Assert.Single(after.Backups).BackupId);
        Assert.Empty(after.Leftovers);
        Assert.Equal(2, Directory.GetFiles(Path.GetDirectoryName(orphan)!).Length);
    }

    [Fact]
    public async Task Recent_backups_stay_and_the_newest_cannot_be_removed_by_id()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("retain_recent");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");
        var request = new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path };
        var older = await PgBackupEngine.RunAsync(request, null, default);
        var newest = await PgBackupEngine.RunAsync(request, null, default);
        var store = new LocalDirectoryStore(folder.Path);
        var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Task<RetentionPlan> RemoveById(string id, int keep) => PruneEngine.PlanSingleAsync(store, BackupKind.Postgres, listing, id, RetentionPolicy.ForRemovalById(keep), writeRecords: true, null, default);

        Assert.Empty((await PruneEngine.PlanAsync(store, BackupKind.Postgres, listing, null, RetentionPolicy.Resolve(14), DateTimeOffset.UtcNow, writeRecords: true, null, null, default)).Actions);
        Assert.Equal("NewestBackupProtected", (await Assert.ThrowsAsync<BackupOpsException>(() => RemoveById(newest.BackupId, 1))).ErrorId);
        Assert.Equal(older.BackupId, Assert.Single((await RemoveById(older.BackupId, 1)).Actions).Key);
        Assert.Equal("NewestBackupProtected", (await Assert.ThrowsAsync<BackupOpsException>(() => RemoveById(older.BackupId, 2))).ErrorId);
    }

    [Fact]
    public async Task Prune_in_S3_aborts_stale_multipart_uploads_and_keeps_the_newest()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("prune");
        var source = await Pg.CreateDatabaseAsync("prune_s3");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");
        var request = new PgBackupRequest { Connection = Pg.Settings(source), Store = $"s3://{bucket}/db", S3 = s3.Options };
        await PgBackupEngine.RunAsync(request, null, default);
        var newest = await PgBackupEngine.RunAsync(request, null, default);
        using (var client = s3.CreateClient())
        {
            await client.InitiateMultipartUploadAsync(bucket, "db/" + BackupKeys.DataKey(source, BackupKeys.NewBackupId(DateTimeOffset.UtcNow), false));
        }

        await using var store = StoreLocation.Open($"s3://{bucket}/db", s3.Options);
        var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Contains(listing.Leftovers, l => l.Incomplete is not null);
        var plan = await PruneEngine.PlanAsync(store, BackupKind.Postgres, listing, null, RetentionPolicy.Resolve(1) with { LeftoverGrace = TimeSpan.Zero }, DateTimeOffset.UtcNow.AddDays(30), writeRecords: true, null, null, default);
        await PruneEngine.ApplyAsync(store, BackupKind.Postgres, listing, plan.Actions, default);

        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
        var after = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(newest.BackupId, Assert.Single(after.Backups).BackupId);
    }
}
