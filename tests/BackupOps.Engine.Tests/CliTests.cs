using System.Text.Json;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The `backupops` console front end end to end: the README's main job, exit codes, JSON, no secrets.</summary>
public sealed class CliTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Main_job_backs_up_to_dot_backups_lists_and_restores_latest_with_validation()
    {
        using var work = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("cli_main");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(source) };
        var runs = new List<BackupOpsCli.Run>();

        // The README's main job, word for word: `backupops pg backup` with DATABASE_URL set.
        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--critical-table", "events");
        runs.Add(backup);
        Assert.True(backup.ExitCode == 0, backup.All);
        Assert.Single(Directory.GetFiles(Path.Combine(work.Path, "backups", "pg", source), "*.manifest.json"));

        var list = await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--json");
        runs.Add(list);
        Assert.Equal(0, list.ExitCode);
        var listed = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups");
        Assert.Equal(source, listed[0].GetProperty("database").GetString());

        var target = Pg.NewDatabaseName("cli_main_target");
        var restore = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--latest", "--target-database", target, "--jobs", "2", "--smoke", "SELECT count(*) FROM attendees => = 5000", "--json");
        runs.Add(restore);
        Assert.True(restore.ExitCode == 0, restore.All);
        var result = JsonDocument.Parse(restore.Stdout).RootElement;
        Assert.True(result.GetProperty("succeeded").GetBoolean());
        Assert.Contains(result.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "rows public.events" && c.GetProperty("outcome").GetString() == "passed");
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));

        // Again into the now non-empty target: refused without --force (exit 2), replaced with it.
        var refused = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--latest", "--target-database", target);
        runs.Add(refused);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("TargetNotEmpty", refused.Stderr, StringComparison.Ordinal);
        var forced = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--latest", "--target-database", target, "--force");
        runs.Add(forced);
        Assert.True(forced.ExitCode == 0, forced.All);

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "14", "--json");
        runs.Add(prune);
        Assert.Equal(0, prune.ExitCode);
        Assert.Empty(JsonDocument.Parse(prune.Stdout).RootElement.GetProperty("actions").EnumerateArray());

        Assert.All(runs, r => Assert.DoesNotContain(Pg.Password, r.All, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exit_codes_are_0_success_1_failure_2_bad_input_and_no_secret_is_printed()
    {
        using var work = new TempFolder();
        const string wrong = "definitely-Wrong-pw-42";
        var badPassword = new Dictionary<string, string?> { ["DATABASE_URL"] = $"postgresql://postgres:{wrong}@127.0.0.1:{Pg.Port}/postgres" };

        var failed = await BackupOpsCli.RunAsync(work.Path, badPassword, "pg", "backup");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("PgAuthenticationFailed", failed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, failed.All, StringComparison.Ordinal);

        var dryFailed = await BackupOpsCli.RunAsync(work.Path, badPassword, "pg", "backup", "--dry-run");
        Assert.Equal(1, dryFailed.ExitCode);
        Assert.DoesNotContain(wrong, dryFailed.All, StringComparison.Ordinal);

        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "prune")).ExitCode);
        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_RETENTION_DAYS"] = "-3" }, "pg", "prune")).ExitCode);
        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "prune", "--retention-days", "14", "--minimum-keep", "0")).ExitCode);
        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "restore", "--jobs", "many")).ExitCode);
        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "backup", "--compress", "20", "--database-url", "postgresql://x@127.0.0.1/db")).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "backups", "pg")));
    }

    [Fact]
    public async Task Dry_run_and_s3_store_through_the_cli()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("cli");
        using var work = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("cli_s3");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 100)");
        var env = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = $"postgresql://postgres@127.0.0.1:{Pg.Port}/{source}",
            ["PGPASSWORD"] = Pg.Password,
            ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey,
        };
        var store = $"s3://{bucket}/prod";

        var dry = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains("store writable", dry.Stdout, StringComparison.Ordinal);
        Assert.Empty(await s3.ListKeysAsync(bucket));

        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--json");
        Assert.True(backup.ExitCode == 0, backup.All);
        var keys = await s3.ListKeysAsync(bucket);
        Assert.Equal(2, keys.Count(k => k.StartsWith("prod/pg/", StringComparison.Ordinal)));
        Assert.Single(keys, k => k.StartsWith("prod/runs/postgresql/", StringComparison.Ordinal) && k.EndsWith("-backup-success.json", StringComparison.Ordinal));

        var restore = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--smoke", "SELECT count(*) FROM events => = 100");
        Assert.True(restore.ExitCode == 0, restore.All);
        Assert.Equal(100L, await Pg.ScalarAsync(source + "_restore", "SELECT count(*) FROM events"));
        Assert.DoesNotContain(s3.Options.SecretKey!, backup.All + dry.All + restore.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, backup.All + dry.All + restore.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_can_come_from_a_pgpass_file()
    {
        using var work = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("cli_pgpass");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");
        var passfile = Path.Combine(work.Path, "pgpass");
        await File.WriteAllTextAsync(passfile, $"127.0.0.1:{Pg.Port}:*:postgres:{Pg.Password}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite); // libpq ignores group-readable files
        }
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = $"postgresql://postgres@127.0.0.1:{Pg.Port}/{source}", ["PGPASSFILE"] = passfile };

        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup");

        Assert.True(backup.ExitCode == 0, backup.All);
        Assert.DoesNotContain(Pg.Password, backup.All, StringComparison.Ordinal);
    }
}
