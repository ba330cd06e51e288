using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 8: killed runs show. A run that started and never finished (kill -9: no handler runs) is Failing
/// (interrupted) in status after the grace period; what it left (a partial file, a scratch database, a temporary
/// download) is reported by status and `pg list --leftovers` and cleaned by prune, past its age, dry run first.
/// </summary>
[Collection(ServerLeftovers.Name)]
public sealed class InterruptedRunTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_backup_killed_with_SIGKILL_makes_status_failing_interrupted_until_the_next_good_backup()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("interrupted");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 8);
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store };
        await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);

        using (var backup = CliProcess.Start(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming" }, "pg", "backup", "--compress", "0"))
        {
            await backup.WaitForPauseAsync("backup:streaming");
            backup.Signal(CliProcess.SigKill);
            await backup.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        // Still within the grace period a run may be alive; past it, it was killed.
        Assert.True((await BackupOpsCli.RunAsync(work.Path, env, "status")).ExitCode == 0);
        var status = await BackupOpsCli.RunAsync(work.Path, env, "status", "--interrupted-after-minutes", "0", "--json");
        Assert.True(status.ExitCode == 1, status.All);
        var source = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == db);
        Assert.Equal("failing", source.GetProperty("state").GetString());
        Assert.Contains("RunInterrupted", source.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("never finished", source.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Its partial file is a leftover, listed and pruned once past the grace (dry run first).
        var list = await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--leftovers", "--json");
        Assert.Contains(".dump", Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("leftovers").EnumerateArray()).GetProperty("key").GetString(), StringComparison.Ordinal);
        var dry = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--leftover-grace-hours", "0", "--dry-run");
        Assert.Contains("would remove", dry.Stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(store, "pg", db), "*.partial"));
        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--leftover-grace-hours", "0");
        Assert.True(prune.ExitCode == 0, prune.All);
        Assert.Empty(Directory.GetFiles(Path.Combine(store, "pg", db), "*.partial"));

        // The next good backup makes the source healthy again.
        Assert.True((await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup")).ExitCode == 0);
        var healthy = await BackupOpsCli.RunAsync(work.Path, env, "status", "--interrupted-after-minutes", "0");
        Assert.True(healthy.ExitCode == 0, healthy.All);
    }

    [Fact]
    public async Task A_restore_from_S3_killed_with_SIGKILL_leaves_a_named_database_and_download_that_status_reports_and_prune_removes()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("interrupted");
        using var work = new TempFolder();
        var temp = Directory.CreateDirectory(Path.Combine(work.Path, "temp")).FullName;
        var db = await Pg.CreateDatabaseAsync("interrupted_restore");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 8);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = $"s3://{bucket}", S3 = s3.Options, CompressionLevel = 0 }, null, default);
        var env = SignalTests.S3Env(s3, db, $"s3://{bucket}");
        env["BACKUPOPS_TEMP"] = temp;
        var target = Pg.NewDatabaseName("interrupted_target");

        // --jobs 2 from S3 downloads into the temporary folder while it restores.
        using (var restore = CliProcess.Start(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TEST_PAUSE_AT"] = "restore:restoring" }, "pg", "restore", "--backup-id", backup.BackupId, "--target-database", target, "--jobs", "2"))
        {
            await restore.WaitForPauseAsync("restore:restoring");
            restore.Signal(CliProcess.SigKill);
            await restore.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.False(await Pg.DatabaseExistsAsync(target));
        var scratch = (string)(await Pg.ScalarAsync("postgres", $"SELECT datname FROM pg_database WHERE datname LIKE '{target}_restoring_%'"))!;
        Assert.NotEmpty(Directory.EnumerateDirectories(temp));

        env["PGPASSWORD"] = Pg.Password;
        var status = await BackupOpsCli.RunAsync(work.Path, env, "status", "--interrupted-after-minutes", "0", "--database-url", Pg.OptionUrl("postgres"), "--json");
        var leftovers = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("leftovers").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains(leftovers, l => l.Contains("never finished", StringComparison.Ordinal) && l.Contains(scratch, StringComparison.Ordinal));
        Assert.Contains(leftovers, l => l.StartsWith("database " + scratch, StringComparison.Ordinal));
        Assert.Contains(leftovers, l => l.StartsWith("temporary folder " + temp, StringComparison.Ordinal) && l.Contains(backup.BackupId, StringComparison.Ordinal));

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--leftover-grace-hours", "0", "--database-url", Pg.OptionUrl("postgres"));
        Assert.True(prune.ExitCode == 0, prune.All);
        Assert.False(await Pg.DatabaseExistsAsync(scratch));
        Assert.Empty(Directory.EnumerateDirectories(temp));
    }

    [Fact]
    public async Task A_run_whose_outcome_reached_the_store_late_is_not_reported_as_interrupted()
    {
        // What a stalled store does: the failure record times out on our side, the server stores it when it wakes up,
        // and the started record (kept so the run would not vanish) stays beside it.
        using var folder = new TempFolder();
        var store = new Stores.LocalDirectoryStore(folder.Path);
        var started = new Health.RunRecord { Kind = "postgresql", Source = "app", Operation = "backup", Outcome = Health.RunRecord.StartedOutcome, RunId = BackupKeys.NewBackupId(DateTimeOffset.UtcNow.AddHours(-2)), StartedUtc = DateTimeOffset.UtcNow.AddHours(-2), CompletedUtc = DateTimeOffset.UtcNow.AddHours(-2), HeartbeatUtc = DateTimeOffset.UtcNow.AddHours(-2) };
        var failure = started with { Outcome = Health.RunRecord.FailureOutcome, HeartbeatUtc = null, ErrorId = "S3Stalled", Error = "stalled" };
        var camelCase = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        foreach (var record in new[] { started, failure })
        {
            await store.PutSmallAsync(Health.RunTracker.KeyOf(record), JsonSerializer.SerializeToUtf8Bytes(record, camelCase), default);
        }

        var status = (await Health.BackupStatusEngine.GetReportAsync(store, new Health.StatusOptions { InterruptedAfter = TimeSpan.Zero }, DateTimeOffset.UtcNow, default)).Sources.Single();

        Assert.Equal(Health.HealthState.Failing, status.State);
        Assert.Contains("S3Stalled", status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("RunInterrupted", status.Reason, StringComparison.Ordinal);
    }
}
