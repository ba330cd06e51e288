using System.Text.Json;
using Amazon.S3.Model;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>`backupops r2 lifecycle set|get|test` and `backupops r2 verify` as processes against the RGW.</summary>
public sealed class CliR2Tests
{
    private static S3TestServer S3 => S3TestServer.Shared;

    private static Dictionary<string, string?> Environment() => new()
    {
        ["AWS_ENDPOINT_URL"] = S3.Options.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = S3.Options.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3.Options.SecretKey,
        ["R2_TRANSITION_STANDARD_DAYS"] = null,
        ["R2_EXPIRATION_DAYS"] = null,
    };

    [Fact]
    public async Task Lifecycle_on_a_bucket_that_does_not_exist_is_an_error_not_an_empty_policy()
    {
        using var work = new TempFolder();
        var env = Environment();
        var missing = $"bo-missing-{Guid.NewGuid():N}"[..30];
        foreach (var verb in new[] { "get", "test", "set" })
        {
            var run = verb == "set"
                ? await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", verb, "--bucket", missing, "--dry-run")
                : await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", verb, "--bucket", missing);
            Assert.True(run.ExitCode == 1, $"{verb}: exit {run.ExitCode}\n{run.All}");
            Assert.Contains("[S3BucketNotFound]", run.Stderr, StringComparison.Ordinal);
            Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("no lifecycle rules", run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("-Bucket", run.Stderr, StringComparison.Ordinal); // the CLI user is told --bucket
        }
    }

    [Fact]
    public async Task Lifecycle_set_is_idempotent_refuses_sooner_deletion_without_force_and_test_reports_drift()
    {
        using var work = new TempFolder();
        var bucket = await S3.CreateBucketAsync("cli-lc");
        var env = Environment();

        var dry = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "set", "--bucket", bucket, "--prefix", "receipts/", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains("+ backupops-default", dry.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "test", "--bucket", bucket, "--prefix", "receipts/")).ExitCode);

        // A new expiration deletes objects where nothing was deleted before: --force is required.
        var refused = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "set", "--bucket", bucket, "--prefix", "receipts/");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("LifecycleDeletesSooner", refused.Stderr, StringComparison.Ordinal);

        var applied = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "set", "--bucket", bucket, "--prefix", "receipts/", "--force", "--json");
        Assert.True(applied.ExitCode == 0, applied.All);
        Assert.True(JsonDocument.Parse(applied.Stdout).RootElement[0].GetProperty("applied").GetBoolean());

        var again = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "set", "--bucket", bucket, "--prefix", "receipts/", "--json");
        Assert.Equal(0, again.ExitCode);
        Assert.False(JsonDocument.Parse(again.Stdout).RootElement[0].GetProperty("applied").GetBoolean());
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "test", "--bucket", bucket, "--prefix", "receipts/")).ExitCode);

        var get = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "get", "--bucket", bucket);
        Assert.Contains("* backupops-default: receipts/: 30d→STANDARD_IA, 180d→GLACIER, expire 540d", get.Stdout, StringComparison.Ordinal);

        var drifted = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "test", "--bucket", bucket, "--prefix", "receipts/", "--expiration-days", "600");
        Assert.Equal(1, drifted.ExitCode);
        Assert.Contains("~ backupops-default", drifted.Stdout, StringComparison.Ordinal);

        var badArchive = await BackupOpsCli.RunAsync(work.Path, env, "r2", "lifecycle", "set", "--bucket", bucket, "--s3-provider", "r2", "--archive-days", "200", "--dry-run");
        Assert.Equal(2, badArchive.ExitCode);
        Assert.Contains("LifecycleClassUnsupportedOnR2", badArchive.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_passes_intact_objects_and_exits_1_on_a_tampered_one()
    {
        using var work = new TempFolder();
        var bucket = await S3.CreateBucketAsync("cli-verify");
        using (var client = S3.CreateClient())
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sample/a.txt", ContentBody = "alpha" });
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sample/b.txt", ContentBody = "beta" });
        }

        var ok = await BackupOpsCli.RunAsync(work.Path, Environment(), "r2", "verify", "--bucket", bucket, "--prefix", "sample/", "--sample", "all", "--json");
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Equal(2, JsonDocument.Parse(ok.Stdout).RootElement.GetProperty("summary").GetProperty("passed").GetInt32());

        using (var client = S3.CreateClient())
        {
            var put = new PutObjectRequest { BucketName = bucket, Key = "sample/c.txt", ContentBody = "tampered" };
            put.Metadata.Add("sha256", new string('0', 64));
            await client.PutObjectAsync(put);
        }

        var bad = await BackupOpsCli.RunAsync(work.Path, Environment(), "r2", "verify", "--bucket", bucket, "--prefix", "sample/", "--sample", "all");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("FAILED", bad.Stdout, StringComparison.Ordinal);
        Assert.Contains("sample/c.txt", bad.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(S3.Options.SecretKey!, ok.All + bad.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Require_verified_fails_on_zero_objects_and_on_an_etag_only_match()
    {
        using var work = new TempFolder();
        var bucket = await S3.CreateBucketAsync("cli-weak");
        using (var client = S3.CreateClient())
        {
            // Overwritten the way anyone with write access would: plain PUT, no SHA-256, an ETag that is the new MD5.
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sample/a.txt", ContentBody = "replaced with aws s3 cp" });
        }

        var lenient = await BackupOpsCli.RunAsync(work.Path, Environment(), "r2", "verify", "--bucket", bucket, "--prefix", "sample/", "--sample", "all");
        Assert.True(lenient.ExitCode == 0, lenient.All);
        Assert.Contains("weaker than SHA-256", lenient.Stdout, StringComparison.Ordinal);

        var strict = await BackupOpsCli.RunAsync(work.Path, Environment(), "r2", "verify", "--bucket", bucket, "--prefix", "sample/", "--sample", "all", "--require-verified");
        Assert.True(strict.ExitCode == 1, strict.All);
        Assert.Contains("WeakVerification", strict.Stderr, StringComparison.Ordinal);

        var empty = await BackupOpsCli.RunAsync(work.Path, Environment(), "r2", "verify", "--bucket", bucket, "--prefix", "smaple/", "--sample", "all", "--require-verified");
        Assert.True(empty.ExitCode == 1, empty.All);
        Assert.Contains("NothingVerified", empty.Stderr, StringComparison.Ordinal);
        Assert.Contains("smaple/", empty.Stderr, StringComparison.Ordinal);
    }
}
