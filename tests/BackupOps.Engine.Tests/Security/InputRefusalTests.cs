using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Preflight;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Inputs the fuzz of #13 (Found 8–9) showed accepted and silently turned into something else, refused now against the
/// real servers: a URL without a database (was: back up 'postgres'), a lifecycle phase without afterDays (was: day 0),
/// and a dry run for a role that cannot read the tables (was: ok, then the real backup failed).
/// </summary>
public sealed class InputRefusalTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_url_without_a_database_is_refused_naming_the_url_and_the_fix_and_backs_up_nothing()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var server = $"postgresql://postgres@127.0.0.1:{Pg.Port}";
        var environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password, ["BACKUP_DIR"] = store };

        foreach (var url in new[] { server, server + "/", $"host=127.0.0.1 port={Pg.Port} user=postgres" })
        {
            foreach (var dryRun in new[] { true, false })
            {
                string[] arguments = dryRun ? ["pg", "backup", "--database-url", url, "--dry-run"] : ["pg", "backup", "--database-url", url];
                var run = await BackupOpsCli.RunAsync(work.Path, environment, arguments);

                Assert.True(run.ExitCode == 2, $"{url} (dry run {dryRun}): {run.All}");
                var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.Contains("[PgDatabaseMissing]", line, StringComparison.Ordinal);
                Assert.Contains(server, line, StringComparison.Ordinal);
                Assert.Contains("/DBNAME", line, StringComparison.Ordinal);
                Assert.Contains("PGDATABASE", line, StringComparison.Ordinal);
                Assert.DoesNotContain("-ConnectionString", line, StringComparison.Ordinal);
            }
        }

        Assert.False(Directory.Exists(store), "a refused backup writes nothing, not even a run record");
    }

    [Fact]
    public async Task Pgdatabase_supplies_the_database_a_url_lacks_and_the_output_says_so()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("pgdatabase");
        await Pg.ExecuteAsync(db, "CREATE TABLE t AS SELECT g FROM generate_series(1, 10) g");
        var environment = new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password, ["BACKUP_DIR"] = store, ["PGDATABASE"] = db };
        var url = $"postgresql://postgres@127.0.0.1:{Pg.Port}";

        var dry = await BackupOpsCli.RunAsync(work.Path, environment, "pg", "backup", "--database-url", url, "--dry-run");
        var real = await BackupOpsCli.RunAsync(work.Path, environment, "pg", "backup", "--database-url", url);

        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains($"/{db}: PostgreSQL", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("(database from PGDATABASE)", dry.Stdout, StringComparison.Ordinal);
        Assert.True(real.ExitCode == 0, real.All);
        Assert.Contains($"backing up '{db}' from PGDATABASE", real.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(store, "pg", db), "*.manifest.json"));
        Assert.False(Directory.Exists(Path.Combine(store, "pg", "postgres")));
    }

    [Fact]
    public async Task A_lifecycle_phase_without_after_days_is_refused_naming_the_phase_and_writes_no_rule()
    {
        using var work = new TempFolder();
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("nodays");
        var template = Path.Combine(work.Path, "lifecycle.json");
        await File.WriteAllTextAsync(template, $$"""{ "version": 1, "buckets": [ { "bucket": "{{bucket}}", "rules": [ { "name": "receipts", "prefix": "receipts/", "phases": [ { "storageClass": "InfrequentAccess" } ], "expirationDays": 540 } ] } ] }""");
        var environment = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint, ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey };

        var error = Assert.Throws<BackupOpsException>(() => LifecycleTemplate.Load(template));
        var set = await BackupOpsCli.RunAsync(work.Path, environment, "r2", "lifecycle", "set", "--bucket", bucket, "--template", template);

        Assert.Equal("LifecyclePhaseDaysMissing", error.ErrorId);
        Assert.True(set.ExitCode == 2, set.All);
        var line = Assert.Single(set.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("[LifecyclePhaseDaysMissing]", line, StringComparison.Ordinal);
        Assert.Contains("rule 'receipts', phase InfrequentAccess has no afterDays", line, StringComparison.Ordinal);
        Assert.Contains("\"afterDays\": N", line, StringComparison.Ordinal);
        using var client = s3.CreateClient();
        var rules = await client.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket });
        Assert.Empty(rules.Configuration?.Rules ?? []);
    }

    [Fact]
    public async Task Dry_run_names_the_tables_and_sequences_a_restricted_role_cannot_read_and_the_real_backup_agrees()
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("readable");
        var role = $"restricted_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        const string password = "Restricted-Role-Pw-1";
        await Pg.ExecuteAsync("postgres", $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        await Pg.ExecuteAsync(db, $"""
            CREATE TABLE granted (id int); GRANT SELECT ON granted TO {role};
            CREATE TABLE events (id bigserial PRIMARY KEY, name text);
            CREATE SCHEMA private; CREATE TABLE private.secrets (id int); GRANT SELECT ON private.secrets TO {role};
            CREATE VIEW event_names AS SELECT name FROM events;
            """);
        var restricted = Pg.Settings(db) with { Username = role, Password = password };
        var store = Path.Combine(work.Path, "backups");

        var checks = await BackupPreflight.RunAsync(new PgBackupRequest { Connection = restricted, Store = store }, default);
        var failed = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = restricted, Store = store }, null, default));
        var cli = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["PGPASSWORD"] = password, ["BACKUP_DIR"] = store }, "pg", "backup", "--dry-run", "--database-url", $"postgresql://{role}@127.0.0.1:{Pg.Port}/{db}");

        var privileges = checks.Single(c => c.Name == "read privileges");
        Assert.Equal(CheckOutcome.Failed, privileges.Outcome);
        Assert.Contains("cannot read 3 of the 4 tables and sequences", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("schema private (no USAGE)", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("table public.events", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("sequence public.events_id_seq", privileges.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("public.granted", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON ALL TABLES IN SCHEMA", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("pg_read_all_data", privileges.Detail, StringComparison.Ordinal);
        Assert.Contains("permission denied", failed.Message, StringComparison.Ordinal);
        Assert.True(cli.ExitCode == 1, cli.All);
        Assert.Contains("FAIL  read privileges: role " + role + " cannot read", cli.Stdout, StringComparison.Ordinal);

        // Only the excluded table unreadable: pg_dump --exclude-table skips it, and so does the check.
        await Pg.ExecuteAsync(db, $"GRANT USAGE ON SCHEMA private TO {role}; GRANT SELECT ON SEQUENCE events_id_seq TO {role}");
        var excluded = await BackupPreflight.RunAsync(new PgBackupRequest { Connection = restricted, Store = store, ExcludeTables = ["events"] }, default);
        Assert.Equal(CheckOutcome.Passed, excluded.Single(c => c.Name == "read privileges").Outcome);

        // Everything pg_dump reads granted (the view's rows are not: pg_dump writes its definition only): ok, and the backup works.
        await Pg.ExecuteAsync(db, $"GRANT SELECT ON events TO {role}");
        var granted = await BackupPreflight.RunAsync(new PgBackupRequest { Connection = restricted, Store = store }, default);
        Assert.Equal(CheckOutcome.Passed, granted.Single(c => c.Name == "read privileges").Outcome);
        Assert.Contains("can read all 4 tables and sequences", granted.Single(c => c.Name == "read privileges").Detail, StringComparison.Ordinal);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = restricted, Store = store }, null, default);
        Assert.True(backup.Manifest.SizeBytes > 0);
    }
}
