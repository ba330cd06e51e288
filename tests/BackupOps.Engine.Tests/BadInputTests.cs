using BackupOps.Engine.Backup;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Bad input gets a clear error naming the bad value and the fix, with no secret in it, and nothing is lost.</summary>
[Collection(ProcessEnvironment.Name)]
public sealed class BadInputTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Wrong_password_names_the_user_and_the_fix_but_not_the_password()
    {
        using var folder = new TempFolder();
        const string wrong = "Wr0ngPassw0rd-do-not-print";
        var settings = Pg.Settings() with { Password = wrong };

        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = settings, Store = folder.Path }, null, default));

        Assert.Equal("PgAuthenticationFailed", error.ErrorId);
        Assert.Contains("PGPASSWORD", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Pg.Password, error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "pg")));
        var record = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(folder.Path, "runs"), "*-backup-failure.json", SearchOption.AllDirectories)));
        Assert.Contains("PgAuthenticationFailed", record, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_host_and_unknown_database_say_which()
    {
        using var folder = new TempFolder();
        var host = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings() with { Host = "no-such-host.invalid" }, Store = folder.Path }, null, default));
        Assert.Equal(BackupOpsErrorKind.ConnectionFailed, host.Kind);
        Assert.Contains("no-such-host.invalid", host.Message, StringComparison.Ordinal);

        var database = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings("no_such_database"), Store = folder.Path }, null, default));
        Assert.Equal("PgDatabaseNotFound", database.ErrorId);
        Assert.Contains("no_such_database", database.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_bucket_is_named_with_the_fix_and_no_secret_key()
    {
        var s3 = S3TestServer.Shared;
        var source = await Pg.CreateDatabaseAsync("nobucket");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");

        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = "s3://no-such-bucket-here/x", S3 = s3.Options }, null, default));

        Assert.Equal("S3BucketNotFound", error.ErrorId);
        Assert.Contains("no-such-bucket-here", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.Options.SecretKey!, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_S3_secret_is_an_authentication_error_without_the_secret()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("badkey");
        const string wrongSecret = "not-the-secret-key-0123456789";
        var error = await Assert.ThrowsAsync<BackupOpsException>(() => Preflight.BackupPreflight.ProbeStoreAsync($"s3://{bucket}", s3.Options with { SecretKey = wrongSecret }, default));
        Assert.Equal(BackupOpsErrorKind.AuthenticationFailed, error.Kind);
        Assert.DoesNotContain(wrongSecret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fourteen")]
    [InlineData("99999999")]
    public void Nonsense_retention_from_the_environment_is_rejected_with_the_value(string value)
    {
        Environment.SetEnvironmentVariable(RetentionPolicy.RetentionVariable, value);
        try
        {
            var error = Assert.Throws<BackupOpsException>(() => RetentionPolicy.Resolve(null));
            Assert.Equal(BackupOpsErrorKind.InvalidInput, error.Kind);
            Assert.Contains(value.TrimStart('-'), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RetentionPolicy.RetentionVariable, null);
        }
    }

    [Theory]
    [InlineData(new[] { "pg", "prune", "--retention-days", "abc" }, "a whole number")]
    [InlineData(new[] { "status", "--max-age-hours", "soon" }, "a number")]
    public async Task An_unparsable_option_value_names_the_form_to_type_not_a_dotnet_type(string[] arguments, string form)
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), arguments);
        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains($"'{arguments[^1]}'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(form, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://bk:Pw-s3cret@127.0.0.1:5432/app")]
    [InlineData("host=127.0.0.1 user=bk password=Pw-s3cret dbname=app")]
    public async Task A_mistyped_option_does_not_echo_the_password_of_the_argument_after_it(string url)
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "backup", "--databse-url", url);
        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains("--databse-url", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Pw-s3cret", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_S3_keys_and_a_mistyped_endpoint_are_bad_input_with_the_fix_not_an_unreachable_endpoint()
    {
        var s3 = S3TestServer.Shared;
        using var work = new TempFolder();
        var noKeys = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint, ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null,
            ["AWS_PROFILE"] = null, ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(work.Path, "none"), ["AWS_CONFIG_FILE"] = Path.Combine(work.Path, "none"),
            ["AWS_EC2_METADATA_DISABLED"] = "true", // no instance metadata service here; the SDK would otherwise wait for it
        };
        var missing = await BackupOpsCli.RunAsync(work.Path, noKeys, "pg", "list", "--store", "s3://any-bucket/x");
        Assert.True(missing.ExitCode == 2 && missing.Stderr.Contains("[S3CredentialsMissing]", StringComparison.Ordinal) && missing.Stderr.Contains("AWS_ACCESS_KEY_ID", StringComparison.Ordinal), missing.All);

        var badEndpoint = new Dictionary<string, string?>(noKeys) { ["AWS_ENDPOINT_URL"] = "htp:/bad", ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey };
        var invalid = await BackupOpsCli.RunAsync(work.Path, badEndpoint, "pg", "list", "--store", "s3://any-bucket/x");
        Assert.True(invalid.ExitCode == 2 && invalid.Stderr.Contains("[S3EndpointInvalid]", StringComparison.Ordinal) && invalid.Stderr.Contains("'htp:/bad'", StringComparison.Ordinal), invalid.All);
        Assert.DoesNotContain(s3.Options.SecretKey!, invalid.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Retention_is_required_and_minimum_keep_cannot_be_zero()
    {
        Assert.Equal("RetentionMissing", Assert.Throws<BackupOpsException>(() => RetentionPolicy.Resolve(null)).ErrorId);
        Assert.Equal("MinimumKeepInvalid", Assert.Throws<BackupOpsException>(() => RetentionPolicy.Resolve(14, minimumKeep: 0)).ErrorId);
    }

    [Theory]
    [InlineData("ftp://host/x", "StoreSchemeInvalid")]
    [InlineData("s3://UPPER/x", "StoreBucketInvalid")]
    [InlineData("s3://ab", "StoreBucketInvalid")]
    public void Bad_store_specs_are_rejected(string spec, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<BackupOpsException>(() => StoreLocation.Open(spec, new S3StoreOptions())).ErrorId);

    [Fact]
    public void Bad_request_values_name_the_value()
    {
        var settings = new PgConnectionSettings();
        Assert.Contains("20", Assert.Throws<BackupOpsException>(() => new PgBackupRequest { Connection = settings, CompressionLevel = 20 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("pg_dump", Assert.Throws<BackupOpsException>(() => new PgBackupRequest { Connection = settings, Codec = Backup.DumpCodec.PgDump, CompressionLevel = 12 }.Validate()).Message, StringComparison.Ordinal);
        var secretLooking = Assert.Throws<BackupOpsException>(() => new PgBackupRequest { Connection = settings, AgeRecipients = ["AGE-SECRET-KEY-1QQQQQQQQQQQQQQQ"] }.Validate());
        Assert.DoesNotContain("QQQQ", secretLooking.Message, StringComparison.Ordinal);
        Assert.Equal("JobsInvalid", Assert.Throws<BackupOpsException>(() => new PgRestoreRequest { TargetServer = settings, BackupId = "x", Jobs = 0 }.Validate()).ErrorId);
    }
}
