using System.Diagnostics;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 4: a stalled S3 server (the RGW process SIGSTOPped: connections are accepted, nothing is answered) fails a
/// backup within the documented deadline instead of hanging for the SDK's timeouts times its retries; pg_dump is
/// stopped, so a `restore --force` on the same cluster (whose DROP DATABASE waits for every backend) is not held up
/// beyond it.
/// </summary>
public sealed class StallTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    // docs/reliability.md: worst case = deadline + cleanup requests (abort, failure record, started record), each
    // bounded by min(10 s, deadline). With the 3 s deadline used here: 3 + 3 × 3 = 12 s; the bound adds room for a
    // loaded 2-core machine and is still a tenth of what one SDK timeout allowed.
    private const int DeadlineSeconds = 3;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(DeadlineSeconds + (3 * DeadlineSeconds) + 30);

    [Fact]
    public async Task A_stalled_RGW_fails_the_backup_within_the_deadline_and_a_concurrent_forced_restore_is_not_blocked()
    {
        using var rgw = FaultS3Server.Start("stall");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("stall");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 40);

        // Something to restore --force on the same cluster meanwhile.
        var other = await Pg.CreateDatabaseAsync("stall_other");
        await SampleDatabase.SeedAsync(Pg, other, incompressibleMegabytes: 1);
        var folder = Path.Combine(work.Path, "folder");
        var otherBackup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(other), Store = folder }, null, default);
        var target = Pg.NewDatabaseName("stall_target");
        Assert.True((await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder, BackupId = otherBackup.BackupId, TargetDatabase = target }, null, default)).Succeeded);

        var resume = Path.Combine(work.Path, "resume");
        var env = new Dictionary<string, string?>(rgw.CliEnvironment())
        {
            ["DATABASE_URL"] = Pg.Url(db),
            ["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming",
            ["BACKUPOPS_TEST_RESUME_FILE"] = resume,
        };
        using var backup = CliProcess.Start(work.Path, env, "pg", "backup", "--store", "s3://stall/prod", "--compress", "0", "--stall-timeout-seconds", DeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await backup.WaitForPauseAsync("backup:streaming");

        rgw.Stall();
        var clock = Stopwatch.StartNew();
        try
        {
            await File.WriteAllTextAsync(resume, "go");
            var restore = BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(other) }, "pg", "restore", "--store", folder, "--backup-id", otherBackup.BackupId, "--target-database", target, "--force");

            var failed = await backup.WaitForExitAsync(Bound + TimeSpan.FromSeconds(30));
            var failedAfter = clock.Elapsed;
            Assert.True(failed.ExitCode == 1, failed.All);
            Assert.Contains("S3Stalled", failed.Stderr, StringComparison.Ordinal);
            Assert.Contains(rgw.Endpoint, failed.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", failed.All, StringComparison.Ordinal);
            Assert.InRange(failedAfter, TimeSpan.Zero, Bound);
            Assert.Empty(SignalTests.PgDumpsOf(db));

            var restored = await restore;
            Assert.True(restored.ExitCode == 0, restored.All);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, Bound + TimeSpan.FromSeconds(30));
        }
        finally
        {
            rgw.Resume();
        }

        // The abort met the same silence: the upload it could not abort is reported, and the next prune removes it.
        var prune = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(rgw.CliEnvironment()), "pg", "prune", "--store", "s3://stall/prod", "--retention-days", "14", "--leftover-grace-hours", "0");
        Assert.True(prune.ExitCode == 0, prune.All);
        using var client = S3ClientFactory.Create(rgw.Options);
        Assert.Empty((await client.ListMultipartUploadsAsync(new Amazon.S3.Model.ListMultipartUploadsRequest { BucketName = "stall" })).MultipartUploads ?? []);
    }

    [Fact]
    public async Task An_RGW_stalled_before_the_backup_starts_fails_it_within_the_deadline_and_stops_pg_dump()
    {
        using var rgw = FaultS3Server.Start("stalled");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("stalled_early");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 24);
        // The deadline from the variable this time (the other test uses the option), as PowerShell users set it.
        var env = new Dictionary<string, string?>(rgw.CliEnvironment()) { ["DATABASE_URL"] = Pg.Url(db), ["BACKUPOPS_STALL_TIMEOUT_SECONDS"] = DeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };

        rgw.Stall();
        try
        {
            var clock = Stopwatch.StartNew();
            using var backup = CliProcess.Start(work.Path, env, "pg", "backup", "--store", "s3://stalled/prod", "--compress", "0");
            var failed = await backup.WaitForExitAsync(Bound + TimeSpan.FromSeconds(30));

            Assert.True(failed.ExitCode == 1, failed.All);
            Assert.Contains("S3Stalled", failed.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", failed.All, StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, Bound + TimeSpan.FromSeconds(10)); // plus process start and connecting
            Assert.Empty(SignalTests.PgDumpsOf(db));
        }
        finally
        {
            rgw.Resume();
        }
    }
}
