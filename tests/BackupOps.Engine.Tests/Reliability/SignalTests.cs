using System.Diagnostics;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 5: SIGTERM, SIGINT and SIGHUP are cancellation. `pg backup`, `pg restore` and `redis snapshot`, signalled as
/// processes mid-work, abort the upload, remove partial data, stop their children, drop the scratch database, record
/// the run as cancelled and exit 130 within seconds.
/// </summary>
public sealed class SignalTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(CliProcess.SigTerm, "SIGTERM")]
    [InlineData(CliProcess.SigInt, "SIGINT")]
    [InlineData(CliProcess.SigHup, "SIGHUP")]
    public async Task A_signal_during_a_backup_to_S3_aborts_the_upload_stops_pg_dump_and_records_a_cancelled_run(int signal, string name)
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("signal");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("signal_s3");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 12);
        var env = S3Env(s3, db, $"s3://{bucket}/prod");
        env["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming";

        using var backup = CliProcess.Start(work.Path, env, "pg", "backup", "--compress", "0");
        await backup.WaitForPauseAsync("backup:streaming");
        Assert.Equal(1, await s3.CountMultipartUploadsAsync(bucket)); // really mid-upload
        Assert.NotEmpty(PgDumpsOf(db));
        var clock = Stopwatch.StartNew();
        backup.Signal(signal);
        var run = await backup.WaitForExitAsync(FewSeconds);

        Assert.True(run.ExitCode == 130, run.All);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, FewSeconds);
        Assert.Contains($"cancelled by {name}", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.All, StringComparison.Ordinal);
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
        var keys = await s3.ListKeysAsync(bucket);
        Assert.DoesNotContain(keys, k => k.StartsWith("prod/pg/", StringComparison.Ordinal));
        Assert.Single(keys, k => k.StartsWith($"prod/runs/postgresql/{db}/", StringComparison.Ordinal) && k.EndsWith("-backup-cancelled.json", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.EndsWith("-started.json", StringComparison.Ordinal));
        Assert.Empty(PgDumpsOf(db));
    }

    [Fact]
    public async Task SIGTERM_during_a_backup_to_a_folder_removes_the_partial_file()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("signal_folder");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 12);

        using var backup = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store, ["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming" }, "pg", "backup", "--compress", "0");
        await backup.WaitForPauseAsync("backup:streaming");
        Assert.Single(Directory.GetFiles(Path.Combine(store, "pg", db), "*.partial"));
        backup.Signal(CliProcess.SigTerm);
        var run = await backup.WaitForExitAsync(FewSeconds);

        Assert.True(run.ExitCode == 130, run.All);
        Assert.False(Directory.Exists(Path.Combine(store, "pg", db)) && Directory.EnumerateFiles(Path.Combine(store, "pg", db)).Any());
        Assert.Single(Directory.GetFiles(Path.Combine(store, "runs", "postgresql", db)), f => f.EndsWith("-backup-cancelled.json", StringComparison.Ordinal));
        Assert.Empty(PgDumpsOf(db));
    }

    [Theory]
    [InlineData(CliProcess.SigTerm)]
    [InlineData(CliProcess.SigInt)]
    public async Task A_signal_during_a_forced_restore_drops_the_scratch_database_and_leaves_the_target_as_it_was(int signal)
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("signal_restore");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 2);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
        var target = await Pg.CreateDatabaseAsync("signal_restore_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (42)");

        using var restore = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store, ["BACKUPOPS_TEST_PAUSE_AT"] = "restore:restoring" }, "pg", "restore", "--backup-id", backup.BackupId, "--target-database", target, "--force");
        await restore.WaitForPauseAsync("restore:restoring");
        Assert.Equal(1L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{target}_restoring_%'"));
        restore.Signal(signal);
        var run = await restore.WaitForExitAsync(FewSeconds);

        Assert.True(run.ExitCode == 130, run.All);
        Assert.Equal(0L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{target}_restoring_%'"));
        Assert.Equal(42, await Pg.ScalarAsync(target, "SELECT id FROM precious"));
        Assert.Single(Directory.GetFiles(Path.Combine(store, "runs", "postgresql"), "*", SearchOption.AllDirectories), f => f.EndsWith("-restore-cancelled.json", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(store, "runs"), "*", SearchOption.AllDirectories), f => f.EndsWith("-started.json", StringComparison.Ordinal));
        Assert.DoesNotContain(Process.GetProcessesByName("pg_restore"), p => CommandLineOf(p.Id).Contains(target, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CliProcess.SigInt)]
    [InlineData(CliProcess.SigTerm)]
    public async Task A_signal_during_a_redis_snapshot_aborts_the_upload_and_removes_the_fetched_RDB(int signal)
    {
        await using var redis = await RedisTestServer.StartAsync();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 2000);
        }

        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var temp = Directory.CreateDirectory(Path.Combine(work.Path, "temp")).FullName;
        var env = new Dictionary<string, string?>
        {
            ["REDIS_URL"] = $"redis://127.0.0.1:{redis.Port}",
            ["REDIS_PASSWORD"] = redis.Password,
            ["BACKUP_DIR"] = store,
            ["BACKUPOPS_TEMP"] = temp,
            ["BACKUPOPS_TEST_PAUSE_AT"] = "snapshot:uploading",
        };

        using var snapshot = CliProcess.Start(work.Path, env, "redis", "snapshot", "--source", "queues", "--transfer", "replication");
        await snapshot.WaitForPauseAsync("snapshot:uploading");
        Assert.Single(Directory.GetFiles(Path.Combine(store, "redis", "queues"), "*.partial"));
        snapshot.Signal(signal);
        var run = await snapshot.WaitForExitAsync(FewSeconds);

        Assert.True(run.ExitCode == 130, run.All);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "redis"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
        Assert.Single(Directory.GetFiles(Path.Combine(store, "runs", "redis", "queues")), f => f.EndsWith("-snapshot-cancelled.json", StringComparison.Ordinal));
    }

    internal static Dictionary<string, string?> S3Env(S3TestServer s3, string database, string store) => new()
    {
        ["DATABASE_URL"] = Pg.Url(database),
        ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey,
        ["BACKUP_DIR"] = store,
    };

    /// <summary>pg_dump processes dumping <paramref name="database"/> from the test server.</summary>
    internal static List<int> PgDumpsOf(string database) =>
        [.. Process.GetProcessesByName("pg_dump").Select(p => p.Id).Where(id => CommandLineOf(id) is var c && c.Contains($"--port={Pg.Port}", StringComparison.Ordinal) && c.EndsWith($" {database} ", StringComparison.Ordinal))];

    internal static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty; // exited meanwhile
        }
    }
}
