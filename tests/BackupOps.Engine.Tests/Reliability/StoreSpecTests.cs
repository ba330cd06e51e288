using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 9: store specs are strict. A spec that looks like a URI but is not one, dot segments in an S3 prefix,
/// and a path that exists but is not a folder are refused with the fix, before anything is written.
/// </summary>
public sealed class StoreSpecTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData("s3:backups/prod")]
    [InlineData("r2:backups/prod")]
    [InlineData("S3//backups/prod")]
    [InlineData("s3:/backups/prod")]
    [InlineData("R2//backups")]
    [InlineData("gs://backups/prod")]
    public async Task A_store_that_looks_like_a_URI_but_is_not_one_is_refused_and_nothing_is_written(string spec)
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("spec");
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db) };

        var runs = new[]
        {
            await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", spec),
            await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--store", spec),
            await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", spec),
        };

        Assert.All(runs, run =>
        {
            Assert.True(run.ExitCode == 2, run.All);
            Assert.Contains("StoreSchemeInvalid", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("://", run.Stderr, StringComparison.Ordinal);
            Assert.Single(run.Stderr.Trim().Split('\n'));
        });
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_folder_whose_name_has_a_colon_is_written_as_a_relative_path()
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("spec_colon");
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");

        var backup = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db) }, "pg", "backup", "--store", "./s3:backups");

        Assert.True(backup.ExitCode == 0, backup.All);
        Assert.Single(Directory.GetFiles(Path.Combine(work.Path, "s3:backups", "pg", db), "*.manifest.json"));
    }

    [Theory]
    [InlineData("../prod")]
    [InlineData("prod/../other")]
    [InlineData("./prod")]
    [InlineData("prod//daily")]
    public async Task Dot_and_empty_segments_in_an_S3_prefix_are_refused(string prefix)
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("spec");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("spec_prefix");
        await Pg.ExecuteAsync(db, "CREATE TABLE t (id int)");
        var env = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = Pg.Url(db),
            ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey,
        };

        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", $"s3://{bucket}/{prefix}");

        Assert.True(backup.ExitCode == 2, backup.All);
        Assert.Contains("StorePrefixInvalid", backup.Stderr, StringComparison.Ordinal);
        Assert.Empty(await s3.ListKeysAsync(bucket));
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
    }

    [Theory]
    [InlineData("a-file")]
    [InlineData("/dev/null")]
    [InlineData("/proc/self")]
    public async Task A_store_path_that_exists_and_is_not_a_backup_folder_is_an_error(string spec)
    {
        using var work = new TempFolder();
        if (spec == "a-file")
        {
            await File.WriteAllTextAsync(Path.Combine(work.Path, spec), "not a folder");
        }

        var runs = new[]
        {
            await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "list", "--store", spec),
            await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "status", "--store", spec),
            await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "redis", "list", "--store", spec),
        };

        Assert.All(runs, run =>
        {
            Assert.True(run.ExitCode == 2, run.All);
            Assert.Contains("StoreNotAFolder", run.Stderr, StringComparison.Ordinal);
            Assert.Contains(spec, run.Stderr, StringComparison.Ordinal);
        });
    }
}
