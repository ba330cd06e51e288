using System.Security.Cryptography;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Backup → store → restore against real PostgreSQL 15, a folder and the RGW; every table must come back equal.</summary>
public sealed class RoundTripTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task FolderStore_round_trip_restores_every_table_with_equal_counts_and_content()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("rt_folder");
        await SampleDatabase.SeedAsync(Pg, source);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);

        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, CriticalTables = ["events", "public.attendees"] }, null, default);

        // The bytes in the store are exactly what the manifest records.
        var dataPath = Path.Combine(folder.Path, backup.Manifest.DataKey);
        Assert.Equal(backup.Manifest.SizeBytes, new FileInfo(dataPath).Length);
        Assert.Equal(backup.Manifest.Sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(dataPath))).ToLowerInvariant());
        Assert.True(File.Exists(Path.Combine(folder.Path, backup.ManifestKey)));
        Assert.Equal(4, backup.Manifest.Schema.Tables);
        Assert.Equal(1, backup.Manifest.Schema.Views);
        Assert.Equal(1, backup.Manifest.Schema.MaterializedViews);
        Assert.Equal(1, backup.Manifest.Schema.Functions);
        Assert.Equal(5000, backup.Manifest.Schema.TableRows.Single(t => t.Name == "public.attendees").ExactRows);
        Assert.StartsWith("15.", backup.Manifest.ServerVersion, StringComparison.Ordinal);
        Assert.True(backup.Manifest.SizeBytes > 4 * 1024 * 1024, "the incompressible table must make the dump several MB");

        var listing = await BackupCatalog.ListAsync(new LocalDirectoryStore(folder.Path), new BackupCatalog.Filter(source), default);
        Assert.Equal(backup.BackupId, Assert.Single(listing.Backups).BackupId);
        Assert.Empty(listing.Leftovers);

        var target = Pg.NewDatabaseName("rt_folder_target");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, SmokeQueries = [SmokeQuery.Parse("SELECT count(*) FROM events => = 200")] }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.True(result.CreatedDatabase);
        Assert.Contains(result.Checks, c => c.Name == "schema" && c.Outcome == CheckOutcome.Passed);
        Assert.Contains(result.Checks, c => c.Name == "rows public.attendees" && c.Outcome == CheckOutcome.Passed);
        Assert.Contains(result.Checks, c => c.Name.StartsWith("smoke:", StringComparison.Ordinal) && c.Outcome == CheckOutcome.Passed);
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task S3Store_round_trip_goes_multipart_sets_sha256_and_restores_with_two_jobs()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("rt");
        var source = await Pg.CreateDatabaseAsync("rt_s3");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 12);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var store = $"s3://{bucket}/nightly";

        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options, NoOwner = true }, null, default);
        Assert.True(backup.Manifest.SizeBytes > 2 * S3StoreOptions.MinimumPartSize, "the dump must span several parts");

        var keys = await s3.ListKeysAsync(bucket);
        Assert.Contains("nightly/" + backup.Manifest.DataKey, keys);
        Assert.Contains("nightly/" + backup.ManifestKey, keys);
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));

        await using (var opened = StoreLocation.Open(store, s3.Options))
        {
            await using var stream = await opened.OpenReadAsync(backup.Manifest.DataKey, default);
            Assert.Equal(backup.Manifest.Sha256, Convert.ToHexString(await SHA256.HashDataAsync(stream)).ToLowerInvariant());
        }

        var target = Pg.NewDatabaseName("rt_s3_target");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = target, Jobs = 2 }, null, default);
        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task Age_encrypted_backup_restores_through_BackupOps_and_through_stock_age_and_pg_restore()
    {
        var keys = AgeKeys.Shared;
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("rt_age");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);

        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, AgeRecipients = [keys.Recipient] }, null, default);
        Assert.EndsWith(".dump.zst.age", backup.Manifest.DataKey, StringComparison.Ordinal);
        Assert.Equal([keys.Recipient], backup.Manifest.Encryption!.Recipients);
        var manifestText = File.ReadAllText(Path.Combine(folder.Path, backup.ManifestKey));
        Assert.DoesNotContain(keys.SecretKey, manifestText, StringComparison.Ordinal);
        Assert.StartsWith("age-encryption.org/v1", File.ReadAllText(Path.Combine(folder.Path, backup.Manifest.DataKey))[..21], StringComparison.Ordinal);

        foreach (var jobs in new[] { 1, 2 })
        {
            var target = Pg.NewDatabaseName($"rt_age_jobs{jobs}");
            var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, IdentityFile = keys.IdentityFile, Jobs = jobs }, null, default);
            Assert.True(result.Succeeded, string.Join("\n", result.Checks));
            Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
        }

        // The escape hatch: no BackupOps needed to get the data back.
        var stock = Pg.NewDatabaseName("rt_age_stock");
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE {stock}");
        var pipeline = $"age -d -i '{keys.IdentityFile}' '{Path.Combine(folder.Path, backup.Manifest.DataKey)}' | zstd -d | '{Pg.BinDirectory}/pg_restore' --exit-on-error -h 127.0.0.1 -p {Pg.Port} -U postgres -d {stock}";
        Shell.Run("bash", ["-o", "pipefail", "-c", pipeline], new Dictionary<string, string> { ["PGPASSWORD"] = Pg.Password });
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, stock));
    }

    [Fact]
    public async Task Two_backups_started_together_never_overwrite_each_other()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("rt_twice");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
        var request = new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path };

        var both = await Task.WhenAll(PgBackupEngine.RunAsync(request, null, default), PgBackupEngine.RunAsync(request, null, default));

        Assert.NotEqual(both[0].BackupId, both[1].BackupId);
        var listing = await BackupCatalog.ListAsync(new LocalDirectoryStore(folder.Path), new BackupCatalog.Filter(), default);
        Assert.Equal(2, listing.Backups.Count);
    }

    [Fact]
    public async Task Legacy_gzip_sql_dump_from_the_seed_script_restores_through_psql()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("rt_legacy");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var file = Path.Combine(folder.Path, "20261101-021500.sql.gz");
        Shell.Run("bash", ["-o", "pipefail", "-c", $"'{Pg.BinDirectory}/pg_dump' --no-owner --no-privileges -h 127.0.0.1 -p {Pg.Port} -U postgres {source} | gzip -9 > '{file}'"], new Dictionary<string, string> { ["PGPASSWORD"] = Pg.Password });

        var target = Pg.NewDatabaseName("rt_legacy_target");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Path = file, TargetDatabase = target, CriticalTables = ["events"], SmokeQueries = [SmokeQuery.Parse("SELECT count(*) FROM attendees => > 0")] }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.Contains(result.Checks, c => c.Name == "sha256" && c.Outcome == CheckOutcome.Warning);
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }
}
