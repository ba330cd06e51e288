using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Immutable backups (S3 Object Lock) on the real Ceph RGW: set at upload, kept by prune, refused to a direct delete,
/// still restorable; a bucket without Object Lock refused before pg_dump; an expired lock pruned with every version.
/// Each test takes its own locked bucket and leaves it to the RGW teardown (compliance objects cannot be removed).
/// </summary>
public sealed class ObjectLockTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    private static S3TestServer S3 => S3TestServer.Shared;

    [Fact]
    public async Task A_compliance_locked_backup_survives_prune_and_a_direct_delete_of_its_version_and_still_restores()
    {
        var bucket = await S3.CreateLockedBucketAsync("lock-compliance");
        var store = $"s3://{bucket}/c";
        var source = await Pg.CreateDatabaseAsync("lock_c");
        // Over one 5 MiB part: the data object goes multipart (RGW 16 drops the lock headers of CreateMultipartUpload).
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 7);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var locking = S3.Options with { ObjectLock = new ObjectLockSettings(StoreLockMode.Compliance, 1) };
        var before = DateTimeOffset.UtcNow;
        var locked = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = locking }, null, default);
        var newer = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = S3.Options }, null, default);

        Assert.True(locked.Manifest.SizeBytes > S3StoreOptions.MinimumPartSize, $"{locked.Manifest.SizeBytes} bytes: the data object must go multipart");
        Assert.Equal("COMPLIANCE", locked.Manifest.Immutability?.Mode);
        Assert.InRange(locked.Manifest.Immutability!.RetainUntilUtc, before.AddDays(1).AddSeconds(-2), DateTimeOffset.UtcNow.AddDays(1).AddSeconds(2));
        Assert.Null(newer.Manifest.Immutability);
        using var client = S3.CreateClient();
        foreach (var key in new[] { locked.Manifest.DataKey, locked.ManifestKey })
        {
            var retention = await client.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "c/" + key });
            Assert.Equal(ObjectLockRetentionMode.Compliance, retention.Retention.Mode);
            Assert.True(retention.Retention.RetainUntilDate > DateTime.UtcNow.AddHours(23), $"{key} is locked only until {retention.Retention.RetainUntilDate:o}");
        }

        // Prune, 30 days on: the locked backup is past a 1-day retention, but kept and reported as locked.
        await using var opened = StoreLocation.Open(store, S3.Options);
        var listing = await BackupCatalog.ListAsync<BackupManifest>(opened, BackupKind.Postgres, new BackupCatalog.Filter(), default);
        var plan = await PruneEngine.PlanAsync(opened, BackupKind.Postgres, listing, null, RetentionPolicy.Resolve(1), DateTimeOffset.UtcNow.AddDays(30), writeRecords: true, null, null, default);
        Assert.DoesNotContain(plan.Actions, a => a.Key == locked.BackupId);
        var kept = Assert.Single(plan.Locked);
        Assert.Equal(locked.BackupId, kept.Key);
        Assert.StartsWith("kept: locked until ", kept.Reason, StringComparison.Ordinal);
        await PruneEngine.ApplyAsync(opened, BackupKind.Postgres, listing, plan.Actions, default);

        // Removal by id is refused with the date, not reported as done.
        var byId = await Assert.ThrowsAsync<BackupOpsException>(() => PruneEngine.PlanSingleAsync(opened, BackupKind.Postgres, listing, locked.BackupId, RetentionPolicy.ForRemovalById(1), true, null, default));
        Assert.Equal("BackupLocked", byId.ErrorId);
        Assert.Contains("locked until", byId.Message, StringComparison.Ordinal);

        // A direct delete of the version is refused by the store, even asking to bypass governance.
        var version = await CurrentVersionAsync(client, bucket, "c/" + locked.Manifest.DataKey);
        var denied = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "c/" + locked.Manifest.DataKey, VersionId = version, BypassGovernanceRetention = true }));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        var engineDelete = await Assert.ThrowsAsync<BackupOpsException>(() => opened.DeleteAsync(locked.Manifest.DataKey, default));
        Assert.Equal("S3ObjectLocked", engineDelete.ErrorId);

        var after = await BackupCatalog.ListAsync<BackupManifest>(opened, BackupKind.Postgres, new BackupCatalog.Filter(source), default);
        Assert.Contains(after.Backups, b => b.BackupId == locked.BackupId);
        var target = Pg.NewDatabaseName("lock_c_restored");
        var restored = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = S3.Options, BackupId = locked.BackupId, TargetDatabase = target }, null, default);
        Assert.True(restored.Succeeded, string.Join("\n", restored.Checks));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task A_governance_lock_refuses_a_version_delete_without_bypass_and_once_expired_prune_removes_every_version()
    {
        var bucket = await S3.CreateLockedBucketAsync("lock-governance");
        var store = $"s3://{bucket}/g";
        var source = await Pg.CreateDatabaseAsync("lock_g");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 50);");
        var locking = S3.Options with { ObjectLock = new ObjectLockSettings(StoreLockMode.Governance, 1) };
        var old = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = locking }, null, default);
        var newest = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = locking }, null, default);
        using var client = S3.CreateClient();
        var keys = new[] { "g/" + old.Manifest.DataKey, "g/" + old.ManifestKey };

        var version = await CurrentVersionAsync(client, bucket, keys[0]);
        var denied = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = keys[0], VersionId = version }));
        Assert.Equal("AccessDenied", denied.ErrorCode);

        // The lock expires: shortened the way only a principal allowed to bypass governance can, to a moment from now.
        var soon = DateTime.UtcNow.AddSeconds(3);
        foreach (var key in keys)
        {
            await client.PutObjectRetentionAsync(new PutObjectRetentionRequest { BucketName = bucket, Key = key, BypassGovernanceRetention = true, Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = soon } });
        }

        await Task.Delay(soon - DateTime.UtcNow + TimeSpan.FromSeconds(1.5));
        await using var opened = StoreLocation.Open(store, S3.Options);
        var listing = await BackupCatalog.ListAsync<BackupManifest>(opened, BackupKind.Postgres, new BackupCatalog.Filter(), default);
        var plan = await PruneEngine.PlanAsync(opened, BackupKind.Postgres, listing, null, RetentionPolicy.Resolve(1), DateTimeOffset.UtcNow.AddDays(30), writeRecords: true, null, null, default);
        Assert.Contains(plan.Actions, a => a.Key == old.BackupId);
        Assert.DoesNotContain(plan.Actions, a => a.Key == newest.BackupId); // the newest good backup is never removed
        await PruneEngine.ApplyAsync(opened, BackupKind.Postgres, listing, plan.Actions, default);

        // Gone for real: no version and no delete marker of either object is left, and the catalog agrees.
        var versions = await client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = "g/" });
        Assert.DoesNotContain(versions.Versions ?? [], v => keys.Contains(v.Key));
        Assert.Contains(versions.Versions ?? [], v => v.Key == "g/" + newest.Manifest.DataKey && v.IsDeleteMarker != true);
        var after = await BackupCatalog.ListAsync<BackupManifest>(opened, BackupKind.Postgres, new BackupCatalog.Filter(source), default);
        Assert.Equal([newest.BackupId], after.Backups.Select(b => b.BackupId));
        Assert.Empty(after.Leftovers);
    }

    [Fact]
    public async Task Locking_on_a_bucket_without_Object_Lock_fails_before_pg_dump_with_the_fix_and_uploads_no_backup()
    {
        var bucket = await S3.CreateBucketAsync("lock-plain");
        var locking = S3.Options with { ObjectLock = new ObjectLockSettings(StoreLockMode.Governance, 14) };

        // A database that does not exist: the lock check fails first, so pg_dump (and the connection) never ran.
        var request = new PgBackupRequest { Connection = Pg.Settings("no_such_database_for_lock"), Store = $"s3://{bucket}/p", S3 = locking };
        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(request, null, default));
        Assert.Equal("S3ObjectLockNotEnabled", error.ErrorId);
        Assert.Contains("x-amz-bucket-object-lock-enabled: true", error.Message, StringComparison.Ordinal);
        Assert.Contains("R2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(await S3.ListKeysAsync(bucket), k => k.StartsWith("p/postgresql/", StringComparison.Ordinal) && !k.Contains(RunRecordMarker, StringComparison.Ordinal));

        // The dry run says the same, as a failed check.
        var source = await Pg.CreateDatabaseAsync("lock_dry");
        var checks = await Preflight.BackupPreflight.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = $"s3://{bucket}/p", S3 = locking }, default);
        var lockCheck = Assert.Single(checks, c => c.Name == "object lock");
        Assert.Equal(CheckOutcome.Failed, lockCheck.Outcome);
        Assert.Contains("has no S3 Object Lock", lockCheck.Detail, StringComparison.Ordinal);
        Assert.Empty(await S3.ListKeysAsync(bucket).ContinueWith(t => t.Result.Where(k => !k.Contains(RunRecordMarker, StringComparison.Ordinal)).ToList(), TaskScheduler.Default));

        // On a locked bucket the dry run passes the check, and its probe object is not locked (it was removed).
        var lockedBucket = await S3.CreateLockedBucketAsync("lock-dry");
        var passed = await Preflight.BackupPreflight.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = $"s3://{lockedBucket}/p", S3 = locking }, default);
        Assert.All(passed, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        using var client = S3.CreateClient();
        Assert.Empty((await client.ListVersionsAsync(new ListVersionsRequest { BucketName = lockedBucket })).Versions ?? []);
    }

    [Fact]
    public async Task The_cli_locks_a_backup_from_its_options_and_refuses_an_unlocked_bucket_in_one_line()
    {
        using var work = new TempFolder();
        var env = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = S3.Options.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = S3.Options.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3.Options.SecretKey,
            ["AWS_REGION"] = S3.Options.Region,
            ["BACKUPOPS_S3_PROVIDER"] = "generic",
            ["PGPASSWORD"] = null,
        };
        var source = await Pg.CreateDatabaseAsync("lock_cli");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 5);");
        var url = Pg.Url(source);
        var lockedBucket = await S3.CreateLockedBucketAsync("lock-cli");
        var ok = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["DATABASE_URL"] = url, ["BACKUPOPS_OBJECT_LOCK"] = "governance" }, "pg", "backup", "--store", $"s3://{lockedBucket}/x", "--object-lock-days", "2");
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("locked (GOVERNANCE) until", ok.Stdout, StringComparison.Ordinal);

        var plainBucket = await S3.CreateBucketAsync("lock-cli-plain");
        var refused = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["DATABASE_URL"] = url }, "pg", "backup", "--store", $"s3://{plainBucket}/x", "--object-lock", "compliance");
        Assert.Equal(2, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("S3ObjectLockNotEnabled", line, StringComparison.Ordinal);
        Assert.Contains(plainBucket, line, StringComparison.Ordinal);
        Assert.DoesNotContain(await S3.ListKeysAsync(plainBucket), k => k.EndsWith(".zst", StringComparison.Ordinal) || k.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal) && !k.Contains(RunRecordMarker, StringComparison.Ordinal));

        var days = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["DATABASE_URL"] = url }, "pg", "backup", "--store", $"s3://{lockedBucket}/x", "--object-lock-days", "3");
        Assert.Equal(2, days.ExitCode);
        Assert.Contains("ObjectLockModeMissing", days.Stderr, StringComparison.Ordinal);
    }

    private const string RunRecordMarker = "runs/";

    private static async Task<string> CurrentVersionAsync(AmazonS3Client client, string bucket, string key)
    {
        var versions = await client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = key });
        return Assert.Single(versions.Versions ?? [], v => v.Key == key && v.IsLatest == true).VersionId;
    }
}
