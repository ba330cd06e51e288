using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// What a cold trial of the CLI met last session, against the real binary and the real PostgreSQL: a dry run or a failed
/// restore that created a missing store folder, a CLI error naming a PowerShell parameter, a mistyped option with no
/// hint, a bad scheme or port in DATABASE_URL answered vaguely.
/// </summary>
public sealed class ColdTrialInputTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_dry_run_into_a_missing_store_folder_passes_without_creating_it()
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("missing_store");
        var store = Path.Combine(work.Path, "not", "yet");

        var dry = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password }, "pg", "backup", "--dry-run", "--database-url", Pg.OptionUrl(db), "--store", store);

        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains($"ok    store writable: {store} does not exist yet: the backup creates it ('{work.Path}' is writable)", dry.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "not")), "the dry run created the store folder");
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_restore_from_a_missing_store_is_store_not_found_and_creates_nothing()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "nonexistent");
        var env = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password, ["DATABASE_URL"] = Pg.OptionUrl("postgres") };

        var pg = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--database", "app", "--target-database", Pg.NewDatabaseName("never"));
        var redis = await BackupOpsCli.RunAsync(work.Path, env, "redis", "restore", "--store", store, "--latest", "--source", "queues");

        foreach (var run in new[] { pg, redis })
        {
            Assert.True(run.ExitCode == 1, run.All);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("[StoreNotFound]", line, StringComparison.Ordinal);
            Assert.Contains(store, line, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(store), "a failed restore wrote its run record into a store that did not exist");
    }

    [Fact]
    public async Task A_refused_password_names_pgpassword_and_pgpass_in_the_cli_never_a_powershell_parameter()
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["PGPASSWORD"] = "not-the-password", ["BACKUP_DIR"] = Path.Combine(work.Path, "b") }, "pg", "backup", "--database-url", Pg.OptionUrl("postgres"));

        Assert.True(run.ExitCode == 1, run.All);
        Assert.Contains("error [PgAuthenticationFailed]", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("(PGPASSWORD or ~/.pgpass)", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("-Credential", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", run.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "pg", "backup", "--databse-url", "x" }, "Did you mean --database-url?")]
    [InlineData(new[] { "pg", "restore", "--target-databse", "x" }, "Did you mean --target-database?")]
    [InlineData(new[] { "status", "--max-age-hour", "3" }, "Did you mean --max-age-hours?")]
    [InlineData(new[] { "pg", "bakup" }, "Did you mean backup?")]
    public async Task An_unknown_option_close_to_a_known_one_gets_a_suggestion(string[] arguments, string suggestion)
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), arguments);

        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains(suggestion, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_outside_an_options_choices_lists_them_on_one_line_without_mangled_line_breaks()
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "backup", "--object-lock", "bogus");

        Assert.True(run.ExitCode == 2, run.All);
        var line = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).First(l => l.Contains("bogus", StringComparison.Ordinal));
        Assert.Contains("'governance', 'compliance'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("?", line.Replace("Did you mean", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_far_from_every_known_one_gets_no_guess()
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "backup", "--xyzzy-plugh");

        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains("--xyzzy-plugh", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Did you mean", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://backup:Sekret-Value@db1/app", "scheme 'mysql://' is not PostgreSQL's")]
    [InlineData("https://db1/app", "scheme 'https://' is not PostgreSQL's")]
    [InlineData("postgresql://backup:Sekret-Value@db1:99999/app", "port '99999' is not a TCP port")]
    [InlineData("postgresql://backup@db1:abc/app", "port 'abc' is not a TCP port")]
    [InlineData("postgresql://backup@db1:0/app", "port '0' is not a TCP port")]
    public async Task A_bad_scheme_or_port_in_database_url_names_the_value_and_the_expected_form(string url, string named)
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = url, ["BACKUP_DIR"] = Path.Combine(work.Path, "b") }, "pg", "backup", "--dry-run");

        Assert.True(run.ExitCode == 2, run.All);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.Contains("postgresql://user@host:5432/database", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Sekret-Value", run.All, StringComparison.Ordinal);
    }
}
