using System.Xml.Linq;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Drill;
using BackupOps.Engine.Health;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The monthly drill against real PostgreSQL, RGW and Redis; breaking each component fails exactly its check.</summary>
public sealed class DrillTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Full_drill_passes_writes_three_reports_and_each_broken_component_fails_only_its_check()
    {
        var s3 = S3TestServer.Shared;
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var quiet = new RunReporting { RecordRuns = false };

        // PostgreSQL with the seed's shape, backed up.
        var database = await Pg.CreateDatabaseAsync("drill");
        await SampleDatabase.SeedAsync(Pg, database, incompressibleMegabytes: 1);
        await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(database), Store = store, CriticalTables = ["events"], Reporting = quiet }, null, default);

        // A bucket with sample objects and the lifecycle from a template.
        var bucket = await s3.CreateBucketAsync("drill");
        using (var client = s3.CreateClient())
        {
            for (var i = 0; i < 5; i++)
            {
                await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"sample/receipt-{i}.pdf", ContentBody = $"receipt {i}" });
            }
        }

        var template = Path.Combine(work.Path, "lifecycle.json");
        await File.WriteAllTextAsync(template, $$"""{ "version": 1, "buckets": [ { "bucket": "{{bucket}}", "rules": [ { "name": "receipts", "prefix": "sample/", "phases": [ { "afterDays": 30, "storageClass": "InfrequentAccess" } ], "expirationDays": 540 } ] } ] }""");
        await LifecycleEngine.ApplyAsync(new LifecycleRequest { Bucket = bucket, S3 = s3.Options, TemplatePath = template }, default);

        // Redis with a queue, snapshotted.
        await using var redis = await RedisTestServer.StartAsync();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 10);
        }

        await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = store, SourceName = "queues", Reporting = quiet }, null, default);

        var config = new DrillConfig
        {
            Environment = "test",
            LogPath = Path.Combine(work.Path, "drill-log.md"),
            ReportDirectory = Path.Combine(work.Path, "reports"),
            Databases = [new DrillDatabase { Name = database, Store = store, CriticalTables = ["attendees"], SmokeQueries = ["SELECT count(*) FROM attendees => = 5000"] }],
            ObjectStores = [new DrillObjectStore { Bucket = bucket, Prefixes = ["sample/"], SampleSize = 5, LifecycleTemplate = template, Provider = "generic" }],
            Redis = [new DrillRedis { Source = "queues", Store = store, Queues = ["queue:emails=30..40"] }],
        };
        Task<DrillReport> Drill(DrillConfig c) => DrillRunner.RunAsync(new DrillRequest { Config = c, S3 = s3.Options }, null, default);

        var passed = await Drill(config);
        Assert.True(passed.Succeeded, string.Join("\n", passed.Blockers));
        Assert.Equal(["database restore: " + database, "rto: " + database, "rpo: " + database, "object integrity: " + bucket + "/sample/", "lifecycle: " + bucket, "redis restore: queues"], passed.Checks.Select(c => c.Name).ToArray());
        Assert.NotNull(passed.TimeToRestore);
        // A check lasts as long as its work: the restore check at least the measured restore, the Redis sandbox restore more than nothing.
        Assert.True(passed.Checks.Single(c => c.Name == "database restore: " + database).Duration >= passed.TimeToRestore, "the database restore check reports less time than its restore took");
        // The sandbox starts a redis-server process and loads an RDB, never under 5 ms; the guarded bug (Elapsed read before the
        // await) reported microseconds. 50 ms was too tight: a CI run restored the sandbox faster than that.
        Assert.True(passed.Checks.Single(c => c.Name == "redis restore: queues").Duration > TimeSpan.FromMilliseconds(5), "the Redis restore check reports about no time");
        var (json, junit) = DrillReportWriter.WriteAll(passed, config.ReportDirectory, config.LogPath);
        Assert.Contains("\"succeeded\": true", await File.ReadAllTextAsync(json), StringComparison.Ordinal);
        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal("6", suite.Attribute("tests")!.Value);
        Assert.Equal("0", suite.Attribute("failures")!.Value);

        // Each breakage fails exactly its own check.
        async Task ExpectOnlyFailure(DrillConfig c, string failing, string reason)
        {
            var report = await Drill(c);
            var failed = Assert.Single(report.Checks, x => !x.Passed);
            Assert.Equal(failing, failed.Name);
            Assert.Contains(reason, failed.FailureReason, StringComparison.Ordinal);
            DrillReportWriter.WriteAll(report, config.ReportDirectory, config.LogPath);
        }

        // A failed restore has no time to restore and proves no RPO: both say "Skipped: restore failed", never PASSED.
        async Task ExpectRestoreFailureWithSkippedTargets(DrillConfig c, string reason)
        {
            var report = await Drill(c);
            Assert.Equal(["database restore: " + database, "rto: " + database, "rpo: " + database], report.Checks.Where(x => !x.Passed).Select(x => x.Name).ToArray());
            Assert.Contains(reason, report.Checks.Single(x => x.Name == "database restore: " + database).FailureReason, StringComparison.Ordinal);
            Assert.All(report.Checks.Where(x => x.Component == "targets"), x => Assert.StartsWith("Skipped: restore failed", x.FailureReason, StringComparison.Ordinal));
            Assert.Null(report.TimeToRestore);
        }

        await ExpectRestoreFailureWithSkippedTargets(config with { Databases = [config.Databases[0] with { SmokeQueries = ["SELECT count(*) FROM attendees => > 999999"] }] }, "expected > 999999");

        // A prefix with nothing under it checks nothing: a failure, not a pass on zero objects.
        await ExpectOnlyFailure(config with { ObjectStores = [config.ObjectStores[0] with { Prefixes = ["sample/", "no-such-prefix/"] }] }, "object integrity: " + bucket + "/no-such-prefix/", "nothing was checked");
        await ExpectOnlyFailure(config with { Targets = new DrillTargets { RpoMinutes = 0.0001 } }, "rpo: " + database, "over the");

        using (var client = s3.CreateClient())
        {
            var tampered = new PutObjectRequest { BucketName = bucket, Key = "sample/receipt-0.pdf", ContentBody = "tampered" };
            tampered.Metadata.Add("sha256", new string('a', 64));
            await client.PutObjectAsync(tampered);
        }

        await ExpectOnlyFailure(config, "object integrity: " + bucket + "/sample/", "sample/receipt-0.pdf");
        using (var client = s3.CreateClient())
        {
            await client.DeleteObjectAsync(bucket, "sample/receipt-0.pdf");
            await client.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = bucket });
        }

        await ExpectOnlyFailure(config, "lifecycle: " + bucket, "+ backupops-receipts");
        await LifecycleEngine.ApplyAsync(new LifecycleRequest { Bucket = bucket, S3 = s3.Options, TemplatePath = template }, default);

        var rdb = Directory.GetFiles(Path.Combine(store, "redis", "queues"), "*.rdb").Single();
        var bytes = await File.ReadAllBytesAsync(rdb);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(rdb, bytes);
        await ExpectOnlyFailure(config, "redis restore: queues", "BackupChecksumMismatch");

        var dump = Directory.GetFiles(Path.Combine(store, "pg", database), "*.dump.zst").Single();
        bytes = await File.ReadAllBytesAsync(dump);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(dump, bytes);
        await ExpectRestoreFailureWithSkippedTargets(config with { Redis = [] }, string.Empty);

        var log = await File.ReadAllTextAsync(config.LogPath);
        Assert.Equal(6, log.Split('\n').Count(l => l.StartsWith("| 20", StringComparison.Ordinal)));
        Assert.Contains("BackupChecksumMismatch", log, StringComparison.Ordinal);
        Assert.Contains("| passed |", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_drill_starts_fills_backs_up_drills_and_cleans_up_through_the_cli()
    {
        using var work = new TempFolder();
        var temp = Path.Combine(work.Path, "tmp");
        Directory.CreateDirectory(temp);
        if (!OperatingSystem.IsWindows())
        {
            // The disposable PostgreSQL runs as the postgres user, which must reach its folder.
            File.SetUnixFileMode(work.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "drill", "--demo", "--temp-dir", temp);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("Drill of demo: PASSED", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("PASSED  redis restore: monotickets-queues", run.Stdout, StringComparison.Ordinal);

        // The point-in-time check: 50 rows written after the base backup came back from the archived WAL, none lost.
        Assert.Contains("PASSED  pitr restore: demo", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Passed smoke: SELECT count(*) FROM transactions => = 850", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("PASSED  rpo: pitr demo", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp));
    }

    [Fact]
    public async Task Drill_files_are_validated_and_init_writes_a_loadable_starting_point()
    {
        using var work = new TempFolder();
        var init = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "drill", "init", "--output", "drill.json");
        Assert.Equal(0, init.ExitCode);
        var loaded = DrillConfig.Load(Path.Combine(work.Path, "drill.json"));
        Assert.Equal(1560, loaded.Targets.RpoMinutes);
        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "drill", "init", "--output", "drill.json")).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(work.Path, "bad.json"), """{ "version": 1, "databasez": [] }""");
        var bad = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "drill", "--config", "bad.json");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("DrillConfigInvalid", bad.Stderr, StringComparison.Ordinal);
    }
}
