using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 1: validity is proven, not assumed. A newest backup damaged without changing its size (a flipped bit,
/// same-size garbage, an edited manifest hash, garbage with a re-hashed manifest) never counts towards
/// --minimum-keep: prune keeps the older verified backup, restore --latest restores it, status says Failing
/// and why.
/// </summary>
public sealed class DamagedBackupTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData("flipped-byte")]
    [InlineData("same-size-garbage")]
    [InlineData("edited-manifest-hash")]
    [InlineData("garbage-rehashed-manifest")]
    public async Task A_same_size_damaged_newest_backup_is_never_counted_and_the_older_verified_one_survives(string damage)
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var (db, ids) = await CatalogIdentityTests.ThreeBackupsAsync(store, "damaged");
        var newest = ids[^1];
        var data = Path.Combine(store, BackupKeys.DataKey(db, newest, encrypted: false, zstd: true));
        var manifest = Path.Combine(store, BackupKeys.ManifestKey(db, newest));
        var size = new FileInfo(data).Length;
        switch (damage)
        {
            case "flipped-byte":
                StoreSurgery.FlipByte(data, size / 2);
                break;
            case "same-size-garbage":
                StoreSurgery.SameSizeGarbage(data);
                break;
            case "edited-manifest-hash":
                await StoreSurgery.EditManifestHashAsync(manifest);
                break;
            default:
                await StoreSurgery.GarbageAndRehashAsync(data, manifest);
                break;
        }

        Assert.Equal(size, new FileInfo(data).Length);
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = store, ["DATABASE_URL"] = Pg.Url(db) };

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "1", "--minimum-keep", "1", "--json");

        // The damage is reported and fails the run (exit 1); the older backup that can still be restored is kept.
        Assert.True(prune.ExitCode == 1, prune.All);
        var outcome = JsonDocument.Parse(prune.Stdout).RootElement;
        Assert.Equal(newest, Assert.Single(outcome.GetProperty("damaged").EnumerateArray()).GetProperty("backupId").GetString());
        Assert.Equal(new[] { ids[0] }, outcome.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("key").GetString()!).ToArray());
        Assert.True(File.Exists(Path.Combine(store, BackupKeys.ManifestKey(db, ids[1]))));
        Assert.True(File.Exists(manifest), "a damaged backup inside the retention is kept for inspection");

        // restore --latest skips the backup known to be damaged and restores the newest whole one, warning loudly which it skipped.
        var restore = await CatalogIdentityTests.AssertRestorableAsync(work.Path, env, db, ids[1]);
        var warning = Assert.Single(restore.Stderr.Split('\n'), l => l.StartsWith("backupops: warning: The newest", StringComparison.Ordinal));
        Assert.Contains($"damaged and skipped: {newest} (recorded damaged", warning, StringComparison.Ordinal);
        Assert.Contains($"Restoring the older backup {ids[1]}", warning, StringComparison.Ordinal);

        var status = await BackupOpsCli.RunAsync(work.Path, env, "status", "--json");
        Assert.True(status.ExitCode == 1, status.All);
        var source = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == db);
        Assert.Equal("failing", source.GetProperty("state").GetString());
        Assert.Contains(newest, source.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("damaged", source.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(ids[1], source.GetProperty("newestBackupId").GetString());
    }

    [Fact]
    public async Task A_truncated_newest_backup_is_damage_that_status_reports_at_once_not_a_leftover_and_prune_keeps_the_older_one()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var (db, ids) = await CatalogIdentityTests.ThreeBackupsAsync(store, "truncated");
        var newest = ids[^1];
        var data = Path.Combine(store, BackupKeys.DataKey(db, newest, encrypted: false, zstd: true));
        using (var file = new FileStream(data, FileMode.Open))
        {
            file.SetLength(file.Length - 1000);
        }

        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = store, ["DATABASE_URL"] = Pg.Url(db) };

        // Before any proof: the listing alone shows the data is not what the manifest committed.
        var status = await BackupOpsCli.RunAsync(work.Path, env, "status", "--json");
        Assert.True(status.ExitCode == 1, status.All);
        var source = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == db);
        Assert.Equal("failing", source.GetProperty("state").GetString());
        Assert.Contains(newest, source.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("damaged", source.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(ids[1], source.GetProperty("newestBackupId").GetString());

        var verify = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify");
        Assert.True(verify.ExitCode == 1, verify.All);

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "1", "--minimum-keep", "1", "--json");
        Assert.True(prune.ExitCode == 1, prune.All);
        var outcome = JsonDocument.Parse(prune.Stdout).RootElement;
        Assert.Equal(newest, Assert.Single(outcome.GetProperty("damaged").EnumerateArray()).GetProperty("backupId").GetString());
        Assert.True(File.Exists(data), "the damaged backup is kept for inspection, not removed as a leftover");
        Assert.True(File.Exists(Path.Combine(store, BackupKeys.ManifestKey(db, ids[1]))));
        await CatalogIdentityTests.AssertRestorableAsync(work.Path, env, db, ids[1]);

        // Asked for by id, the truncated backup is damaged, not missing (a cold trial was told BackupNotFound), and no target is left.
        var target = Pg.NewDatabaseName("truncated_by_id");
        var byId = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--backup-id", newest, "--target-database", target);
        Assert.True(byId.ExitCode == 1, byId.All);
        Assert.DoesNotContain("BackupNotFound", byId.All, StringComparison.Ordinal);
        Assert.Contains("damaged", byId.Stderr, StringComparison.Ordinal);
        Assert.Contains(newest, byId.Stderr, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(target));
    }

    [Fact]
    public async Task A_flipped_byte_in_the_newest_S3_backup_keeps_the_older_one_and_a_restore_records_the_damage()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("damaged");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("damaged_s3");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 6);
        using var client = s3.CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = $"s3://{bucket}/prod", S3 = s3.Options, CompressionLevel = 0 }, null, default);
            ids.Add(backup.BackupId);
            if (i < 2)
            {
                await StoreSurgery.AgeManifestAsync(client, bucket, "prod/" + backup.ManifestKey, TimeSpan.FromDays(10 - i));
            }
        }

        await StoreSurgery.FlipByteAsync(client, bucket, "prod/" + BackupKeys.DataKey(db, ids[2], encrypted: false));
        var env = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = Pg.Url(db),
            ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey,
            ["BACKUP_DIR"] = $"s3://{bucket}/prod",
        };

        // A restore of the damaged backup fails before the target is touched, and records what it found...
        var restore = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--backup-id", ids[2], "--target-database", Pg.NewDatabaseName("damaged_target"));
        Assert.True(restore.ExitCode == 1, restore.All);
        Assert.Contains("BackupChecksumMismatch", restore.Stderr, StringComparison.Ordinal);

        // ...so status knows without re-reading anything, and prune does not count it.
        var status = await BackupOpsCli.RunAsync(work.Path, env, "status");
        Assert.True(status.ExitCode == 1, status.All);
        Assert.Contains("Failing", status.Stdout, StringComparison.Ordinal);
        Assert.Contains(ids[2], status.Stdout, StringComparison.Ordinal);

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "1", "--minimum-keep", "1", "--json");
        Assert.True(prune.ExitCode == 1, prune.All);
        var keys = await s3.ListKeysAsync(bucket);
        Assert.Contains("prod/" + BackupKeys.ManifestKey(db, ids[1]), keys);
        Assert.DoesNotContain("prod/" + BackupKeys.ManifestKey(db, ids[0]), keys);
        await CatalogIdentityTests.AssertRestorableAsync(work.Path, env, db, ids[1]);
    }
}
