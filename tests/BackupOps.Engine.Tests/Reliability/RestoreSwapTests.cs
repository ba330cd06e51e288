using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 3: kill -9 of `pg restore --force` at every step of the swap. The target name must always hold a complete
/// database (the old one before the swap commits, the new one after), what is left must say what it holds, and the
/// next restore, `pg list --leftovers` and prune must find it.
/// </summary>
[Collection(ServerLeftovers.Name)]
public sealed class RestoreSwapTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData("restore:created", false, "restoring")]
    [InlineData("restore:restoring", false, "restoring")]
    [InlineData("restore:verified", false, "restoring")]
    [InlineData("restore:swapping", false, "restoring")]
    [InlineData("restore:swapped", true, "replaced")]
    public async Task Kill_9_at_any_step_of_a_forced_restore_leaves_the_target_holding_a_complete_database(string step, bool newIsIn, string leftoverRole)
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("swap");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 2);
        var oldBackup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
        var target = Pg.NewDatabaseName("swap_target");
        Assert.True((await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, BackupId = oldBackup.BackupId, TargetDatabase = target }, null, default)).Succeeded);
        var oldData = await SampleDatabase.FingerprintAsync(Pg, target);
        await Pg.ExecuteAsync(db, "INSERT INTO events (name, starts_at) SELECT 'Later ' || g, now() FROM generate_series(1, 50) g");
        var newData = await SampleDatabase.FingerprintAsync(Pg, db);
        var newBackup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store };

        using (var restore = CliProcess.Start(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TEST_PAUSE_AT"] = step }, "pg", "restore", "--backup-id", newBackup.BackupId, "--target-database", target, "--force"))
        {
            await restore.WaitForPauseAsync(step);
            restore.Signal(CliProcess.SigKill);
            Assert.Equal(137, (await restore.WaitForExitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        }

        // At no instant was the name empty: it holds the old database until the swap commits, the new one after.
        Assert.Equal(newIsIn ? newData : oldData, await WithRetryAsync(() => SampleDatabase.FingerprintAsync(Pg, target)));

        // What is left is named and commented for what it holds, and listed.
        var list = await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--leftovers", "--json");
        Assert.True(list.ExitCode == 0, list.All);
        var leftover = Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("databases").EnumerateArray(), d => d.GetProperty("name").GetString()!.StartsWith(target + "_", StringComparison.Ordinal));
        var leftoverName = leftover.GetProperty("name").GetString()!;
        Assert.Equal(leftoverRole, leftover.GetProperty("role").GetString());
        Assert.True(leftover.GetProperty("madeByBackupOps").GetBoolean());
        if (step == "restore:created")
        {
            // Killed between CREATE DATABASE and its comment: known as BackupOps' from the run record that announced it.
            Assert.True(leftover.GetProperty("knownFromRunRecord").GetBoolean());
        }
        else
        {
            Assert.Contains(newBackup.BackupId, leftover.GetProperty("comment").GetString(), StringComparison.Ordinal);
        }

        // The next restore reports it (and does its own job); prune removes it once past the grace.
        var again = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--backup-id", newBackup.BackupId, "--target-database", target, "--force");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains(leftoverName, again.Stderr, StringComparison.Ordinal);
        Assert.Equal(newData, await SampleDatabase.FingerprintAsync(Pg, target));

        env["PGPASSWORD"] = Pg.Password;
        var dry = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--leftover-grace-hours", "0", "--database-url", Pg.OptionUrl("postgres"), "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains($"would remove {leftoverName}", dry.Stdout, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(leftoverName));
        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--leftover-grace-hours", "0", "--database-url", Pg.OptionUrl("postgres"));
        Assert.True(prune.ExitCode == 0, prune.All);
        Assert.False(await Pg.DatabaseExistsAsync(leftoverName));
        Assert.Equal(newData, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task Prune_never_drops_a_database_that_only_looks_like_a_leftover()
    {
        using var work = new TempFolder();
        var lookalike = Pg.NewDatabaseName("mine") + "_restoring_abc123";
        await Pg.ExecuteAsync("postgres", $"CREATE DATABASE \"{lookalike}\"");

        await Pg.ExecuteAsync("postgres", $"COMMENT ON DATABASE \"{lookalike}\" IS 'not made by BackupOps'");

        var prune = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = Path.Combine(work.Path, "backups"), ["PGPASSWORD"] = Pg.Password }, "pg", "prune", "--retention-days", "14", "--database-url", Pg.OptionUrl("postgres"));

        Assert.True(prune.ExitCode == 0, prune.All);
        Assert.Contains($"left alone: {lookalike}", prune.Stderr, StringComparison.Ordinal);
        Assert.True(await Pg.DatabaseExistsAsync(lookalike));
    }

    // A killed client's backend rolls back and leaves within moments; a fingerprint taken in that moment may meet its lock.
    internal static async Task<T> WithRetryAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (Npgsql.PostgresException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }
}
