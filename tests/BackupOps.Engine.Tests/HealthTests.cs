using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Freshness status, Prometheus metrics, webhooks and schedules, against real PostgreSQL and stores.</summary>
public sealed partial class HealthTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Status_is_healthy_stale_missing_and_failing_with_the_right_exit_codes()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var fresh = await Pg.CreateDatabaseAsync("status_fresh");
        var old = await Pg.CreateDatabaseAsync("status_old");
        var broken = await Pg.CreateDatabaseAsync("status_broken");
        foreach (var db in new[] { fresh, old, broken })
        {
            await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");
            await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
        }

        // Age the old database's backup by editing its manifest's start time (no sleeping).
        var manifestPath = Directory.GetFiles(Path.Combine(store, "pg", old), "*.manifest.json").Single();
        var manifest = Manifest.ManifestSerializer.Deserialize(await File.ReadAllBytesAsync(manifestPath), manifestPath);
        File.Delete(manifestPath);
        await File.WriteAllBytesAsync(manifestPath, Manifest.ManifestSerializer.Serialize(manifest with { StartedUtc = DateTimeOffset.UtcNow.AddHours(-30) }));

        // The broken database's newest attempt fails after its last good backup.
        await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(broken) with { Password = "wrong-password" }, Store = store }, null, default));

        await using var opened = StoreLocation.Open(store);
        var statuses = await BackupStatusEngine.GetAsync(opened, BackupStatusEngine.DefaultMaxAge, ["postgresql:never_backed_up"], DateTimeOffset.UtcNow, default);
        Assert.Equal(HealthState.Healthy, statuses.Single(s => s.Source == fresh).State);
        Assert.Equal(HealthState.Stale, statuses.Single(s => s.Source == old).State);
        Assert.Equal(HealthState.Missing, statuses.Single(s => s.Source == "never_backed_up").State);
        var failing = statuses.Single(s => s.Source == broken);
        Assert.Equal(HealthState.Failing, failing.State);
        Assert.Equal("PgAuthenticationFailed", failing.LastFailure!.ErrorId);
        Assert.NotNull(failing.NewestBackupId);

        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = store };
        Assert.Equal(1, (await BackupOpsCli.RunAsync(work.Path, env, "status")).ExitCode);
        var healthyStore = Path.Combine(work.Path, "healthy");
        await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(fresh), Store = healthyStore }, null, default);
        var ok = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = healthyStore }, "status");
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("Healthy", ok.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = healthyStore }, "status", "--expect", "redis:queues")).ExitCode);

        // A bare name is a PostgreSQL database; a kind with no name is bad input (exit 2, one line naming it), not a Missing row.
        var bare = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = healthyStore }, "status", "--expect", "justaname");
        Assert.True(bare.ExitCode == 1 && bare.Stdout.Contains("justaname", StringComparison.Ordinal), bare.All);
        var empty = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = healthyStore }, "status", "--expect", "postgresql:");
        Assert.True(empty.ExitCode == 2 && empty.Stderr.Contains("'postgresql:' names no source", StringComparison.Ordinal), empty.All);

        // A mistyped folder store is an error, not an empty store that status and pg list report as nothing wrong; reading creates nothing.
        var missing = Path.Combine(work.Path, "no-such-store");
        foreach (var args in new[] { new[] { "status" }, ["pg", "list"], ["redis", "list"] })
        {
            var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = missing }, args);
            Assert.True(run.ExitCode != 0 && run.Stderr.Contains("[StoreNotFound]", StringComparison.Ordinal) && run.Stderr.Contains(missing, StringComparison.Ordinal), string.Join(' ', args) + ": " + run.All);
        }

        Assert.False(Path.Exists(missing));
    }

    [Fact]
    public async Task Metrics_file_is_valid_prometheus_exposition_with_the_last_runs_numbers()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("metrics");
        await Pg.ExecuteAsync(db, "CREATE TABLE t AS SELECT generate_series(1, 1000) AS id");
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
        var metricsFile = Path.Combine(work.Path, "textfile", "backupops.prom");

        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = store, ["BACKUPOPS_ENVIRONMENT"] = "staging" }, "status", "--metrics-file", metricsFile);
        Assert.True(run.ExitCode == 0, run.All);

        var samples = ParseExposition(await File.ReadAllTextAsync(metricsFile));
        var labels = $"{{kind=\"postgresql\",database=\"{db}\",environment=\"staging\"}}";
        Assert.Equal(backup.Manifest.SizeBytes, samples[$"backupops_last_bytes{labels}"]);
        Assert.Equal(backup.Manifest.DurationSeconds, samples[$"backupops_last_duration_seconds{labels}"], 3);
        Assert.Equal(backup.Manifest.StartedUtc.ToUnixTimeMilliseconds() / 1000.0, samples[$"backupops_last_success_timestamp_seconds{labels}"], 3);
        Assert.InRange(samples[$"backupops_age_seconds{labels}"], 0, 600);
        Assert.Equal(0, samples[$"backupops_failures_total{labels}"]);
        Assert.Equal(1, samples[$"backupops_status{{kind=\"postgresql\",database=\"{db}\",environment=\"staging\",status=\"healthy\"}}"]);
        Assert.False(File.Exists(metricsFile + ".tmp"));
    }

    [Fact]
    public async Task Webhooks_announce_success_and_failure_and_a_dead_webhook_changes_nothing()
    {
        using var hook = new WebhookListener();
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("webhook");
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");
        var reporting = new RunReporting { WebhookUrl = hook.Url, Environment = "prod" };

        await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = work.Path, Reporting = reporting }, null, default);
        await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db) with { Password = "nope-" + Pg.Password }, Store = work.Path, Reporting = reporting }, null, default));
        await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = work.Path, Reporting = reporting with { FailuresOnly = true } }, null, default);

        Assert.Equal(2, hook.Bodies.Count);
        var success = JsonDocument.Parse(hook.Bodies[0]).RootElement;
        Assert.Contains("succeeded", success.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("success", success.GetProperty("backupops").GetProperty("outcome").GetString());
        var failure = JsonDocument.Parse(hook.Bodies[1]).RootElement;
        Assert.Contains("FAILED", failure.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("PgAuthenticationFailed", failure.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.All(hook.Bodies, b => Assert.DoesNotContain(Pg.Password, b, StringComparison.Ordinal));

        // Nothing listens here: retries, then a warning; the backup's own result stands.
        var warnings = new List<string>();
        var dead = new RunReporting { WebhookUrl = $"http://127.0.0.1:{FreePort.Next()}/hooks/secret-dead-token", WebhookRetryDelay = TimeSpan.FromMilliseconds(50), OnWarning = warnings.Add };
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = work.Path, Reporting = dead }, null, default);
        Assert.NotNull(backup.Manifest.Sha256);
        var warning = Assert.Single(warnings);
        Assert.Contains("after 3 attempts", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-dead-token", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_print_gives_the_seeds_cron_entry_and_systemd_units()
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "schedule", "print", "--retention-days", "30");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("15 2 * * * sh -c 'set -a; . /etc/backupops/backupops.env; set +a; /opt/backupops/backupops pg backup'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("pg prune --retention-days 30", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("OnCalendar=*-*-* 02:15:00 UTC", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 4 1 * * sh -c 'set -a; . /etc/backupops/backupops.env; set +a; /opt/backupops/backupops drill --config /etc/backupops/drill.json'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("[Install]\nWantedBy=timers.target", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A strict reader of the text exposition format: HELP/TYPE before samples, valid names, labels and values.</summary>
    private static Dictionary<string, double> ParseExposition(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>();
        var typed = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.Matches(HelpLine(), line);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var match = TypeLine().Match(line);
                Assert.True(match.Success, $"bad TYPE line: {line}");
                Assert.True(typed.Add(match.Groups[1].Value), $"TYPE repeated for {match.Groups[1].Value}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"bad sample line: {line}");
            Assert.Contains(sample.Groups[1].Value, typed);
            Assert.True(samples.TryAdd(sample.Groups[1].Value + sample.Groups[2].Value, double.Parse(sample.Groups[3].Value, CultureInfo.InvariantCulture)), $"duplicate series {line}");
        }

        return samples;
    }

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\.)*"",?)*\})? (-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$")]
    private static partial Regex SampleLine();
}
