using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 6: every failure path reports, none crashes. A full disk (a real 30 MB tmpfs), a manifest that no longer fits,
/// a read-only store and an S3 server killed during the upload each end with one clean error line with the first
/// cause, exit 1, partial data removed (or reported), and no "Unhandled exception".
/// </summary>
public sealed class FailurePathTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_full_disk_ends_with_one_clean_error_and_the_partial_file_removed()
    {
        using var tmpfs = Tmpfs.Mount(30);
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("full_disk");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 40);
        var free = tmpfs.FreeBytes;

        var backup = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = tmpfs.Path }, "pg", "backup", "--compress", "0");

        Assert.True(backup.ExitCode == 1, backup.All);
        AssertOneCleanError(backup, "StoreFull");
        Assert.Empty(Directory.GetFiles(tmpfs.Path, "*.partial", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(tmpfs.Path, "*.dump", SearchOption.AllDirectories));
        Assert.InRange(tmpfs.FreeBytes, free - (1 << 20), long.MaxValue); // the disk is not left full
        Assert.Single(Directory.GetFiles(Path.Combine(tmpfs.Path, "runs", "postgresql", db)), f => f.EndsWith("-backup-failure.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_manifest_that_no_longer_fits_removes_the_data_it_would_have_described()
    {
        using var tmpfs = Tmpfs.Mount(30);
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("full_manifest");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 2);
        var resume = Path.Combine(work.Path, "resume");
        using var backup = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = tmpfs.Path, ["BACKUPOPS_TEST_PAUSE_AT"] = "backup:data-committed", ["BACKUPOPS_TEST_RESUME_FILE"] = resume }, "pg", "backup");
        await backup.WaitForPauseAsync("backup:data-committed");
        Assert.Single(Directory.GetFiles(Path.Combine(tmpfs.Path, "pg", db), "*.dump.zst"));

        tmpfs.FillUp();
        await File.WriteAllTextAsync(resume, "go");
        var run = await backup.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 1, run.All);
        AssertOneCleanError(run, "StoreFull");
        Assert.False(Directory.Exists(Path.Combine(tmpfs.Path, "pg", db)) && Directory.EnumerateFiles(Path.Combine(tmpfs.Path, "pg", db)).Any());
        // Removing the data freed the space the failure record needs.
        Assert.Single(Directory.GetFiles(Path.Combine(tmpfs.Path, "runs", "postgresql", db)), f => f.EndsWith("-backup-failure.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_only_store_is_one_clean_error()
    {
        using var tmpfs = Tmpfs.Mount(30);
        tmpfs.RemountReadOnly();
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("read_only");
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");

        var backup = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = tmpfs.Path }, "pg", "backup");

        Assert.True(backup.ExitCode == 1, backup.All);
        AssertOneCleanError(backup, "StoreReadOnly");
    }

    [Fact]
    public async Task An_S3_server_killed_during_the_upload_is_one_clean_error_and_the_upload_is_cleaned_later()
    {
        using var rgw = FaultS3Server.Start("killed");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("killed_rgw");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 16);
        var resume = Path.Combine(work.Path, "resume");
        var env = new Dictionary<string, string?>(rgw.CliEnvironment()) { ["DATABASE_URL"] = Pg.Url(db), ["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming", ["BACKUPOPS_TEST_RESUME_FILE"] = resume };
        using var backup = CliProcess.Start(work.Path, env, "pg", "backup", "--store", "s3://killed", "--compress", "0");
        await backup.WaitForPauseAsync("backup:streaming");

        rgw.KillGateway();
        await File.WriteAllTextAsync(resume, "go");
        var run = await backup.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 1, run.All);
        AssertOneCleanError(run, "S3EndpointUnreachable");
        Assert.Contains("Left behind: the incomplete multipart upload", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(SignalTests.PgDumpsOf(db));

        rgw.StartGateway();
        var prune = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(rgw.CliEnvironment()), "pg", "prune", "--store", "s3://killed", "--retention-days", "14", "--leftover-grace-hours", "0");
        Assert.True(prune.ExitCode == 0, prune.All);
        using var client = Stores.S3ClientFactory.Create(rgw.Options);
        Assert.Empty((await client.ListMultipartUploadsAsync(new Amazon.S3.Model.ListMultipartUploadsRequest { BucketName = "killed" })).MultipartUploads ?? []);
    }

    /// <summary>Exactly one error line, with the expected id, and nothing that looks like a crash.</summary>
    internal static void AssertOneCleanError(BackupOpsCli.Run run, string errorId)
    {
        var errors = run.Stderr.Split('\n').Where(l => l.StartsWith("backupops: error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, run.All);
        Assert.Contains($"[{errorId}]", errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
    }
}
