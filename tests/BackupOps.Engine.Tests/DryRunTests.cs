using BackupOps.Engine.Backup;
using BackupOps.Engine.Preflight;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The dry run checks everything a backup needs and changes nothing.</summary>
public sealed class DryRunTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Dry_run_passes_every_check_and_leaves_folder_and_bucket_empty()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("dryrun");
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("dryrun");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int)");

        foreach (var (store, options) in new[] { (folder.Path, (Stores.S3StoreOptions?)null), ($"s3://{bucket}/x", s3.Options) })
        {
            var checks = await BackupPreflight.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = options, CriticalTables = ["events"], AgeRecipients = [AgeKeys.Shared.Recipient] }, default);
            Assert.All(checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
            Assert.Equal(["postgresql connection", "read privileges", "critical table events", "pg_dump", "age", "store writable"], checks.Select(c => c.Name).ToArray());
        }

        Assert.Empty(Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories));
        Assert.Empty(await s3.ListKeysAsync(bucket));
        Assert.Null(await Pg.ScalarAsync("postgres", $"SELECT 1 FROM pg_database WHERE datname = '{PgRestoreEngine.DefaultTargetName(source)}'"));
    }

    [Fact]
    public async Task Dry_run_reports_every_failure_in_one_run()
    {
        var checks = await BackupPreflight.RunAsync(new PgBackupRequest { Connection = Pg.Settings() with { Password = "nope-nope-nope" }, Store = "s3://missing-bucket-dry/x", S3 = S3TestServer.Shared.Options }, default);
        Assert.Equal(CheckOutcome.Failed, checks.Single(c => c.Name == "postgresql connection").Outcome);
        Assert.Equal(CheckOutcome.Passed, checks.Single(c => c.Name == "pg_dump").Outcome);
        Assert.Contains("missing-bucket-dry", checks.Single(c => c.Name == "store writable").Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(checks, c => c.Detail.Contains("nope-nope-nope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restore_describe_reports_the_target_state_without_creating_it()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("describe");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path }, null, default);
        var target = Pg.NewDatabaseName("describe_target");

        var text = await PgRestoreEngine.DescribeAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target }, default);

        Assert.Contains("would be created", text, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(target));
    }
}
