using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Lifecycle against the real Ceph RGW, which stores rules, returns them reordered, and executes them on a compressed clock.</summary>
[Collection(ProcessEnvironment.Name)]
public sealed class LifecycleServerTests
{
    private static S3TestServer S3 => S3TestServer.Shared;

    [Fact]
    public async Task Seed_policy_from_environment_is_applied_read_back_equal_applied_once_and_keeps_foreign_rules()
    {
        var bucket = await S3.CreateBucketAsync("lc-seed");
        using (var client = S3.CreateClient())
        {
            await client.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
            {
                BucketName = bucket,
                Configuration = new LifecycleConfiguration { Rules = [new LifecycleRule { Id = "analytics-team", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "analytics/" } }, Expiration = new LifecycleRuleExpiration { Days = 3 } }] },
            });
        }

        Environment.SetEnvironmentVariable(LifecyclePolicySources.TransitionVariable, "30");
        Environment.SetEnvironmentVariable(LifecyclePolicySources.ExpirationVariable, "540");
        try
        {
            var request = new LifecycleRequest { Bucket = bucket, S3 = S3.Options, Overrides = new LifecycleOverrides { Prefix = "receipts/" } };
            var first = await LifecycleEngine.ApplyAsync(request, default);
            Assert.True(first.Applied);
            Assert.Equal(RuleChangeKind.Added, Assert.Single(first.Changes).Kind);

            var readBack = await LifecycleEngine.GetAsync(bucket, S3.Options, default);
            var ours = Assert.Single(readBack.Rules, r => r.IsManaged);
            Assert.True(ours.SameAs(Assert.Single(first.Rules)), $"read back {ours.Describe()}");
            Assert.Equal([new LifecycleTransitionSpec(30, "STANDARD_IA"), new LifecycleTransitionSpec(180, "GLACIER")], ours.Transitions);
            Assert.Contains(readBack.Rules, r => r.Id == "analytics-team" && r.ExpirationDays == 3 && r.Prefix == "analytics/");

            var second = await LifecycleEngine.ApplyAsync(request, default);
            Assert.False(second.Applied);
            Assert.True(second.InSync);
        }
        finally
        {
            Environment.SetEnvironmentVariable(LifecyclePolicySources.TransitionVariable, null);
            Environment.SetEnvironmentVariable(LifecyclePolicySources.ExpirationVariable, null);
        }
    }

    [Fact]
    public async Task Drift_made_by_hand_is_reported_as_different_missing_and_kept_apart_from_foreign_rules()
    {
        var bucket = await S3.CreateBucketAsync("lc-drift");
        var request = new LifecycleRequest { Bucket = bucket, S3 = S3.Options, Overrides = new LifecycleOverrides { Prefix = "docs/", NoArchive = true } };
        await LifecycleEngine.ApplyAsync(request, default);
        Assert.True((await LifecycleEngine.PlanAsync(request, default)).InSync);

        // Someone edits the rule in the console: expiration 540 -> 90, and adds a rule of their own.
        using (var client = S3.CreateClient())
        {
            await client.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
            {
                BucketName = bucket,
                Configuration = new LifecycleConfiguration
                {
                    Rules =
                    [
                        new LifecycleRule { Id = "backupops-default", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "docs/" } }, Transitions = [new LifecycleTransition { Days = 30, StorageClass = S3StorageClass.StandardInfrequentAccess }], Expiration = new LifecycleRuleExpiration { Days = 90 }, AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 7 } },
                        new LifecycleRule { Id = "someone-else", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "tmp/" } }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
                    ],
                },
            });
        }

        var drift = await LifecycleEngine.PlanAsync(request, default);
        var changed = Assert.Single(drift.Changes);
        Assert.Equal(RuleChangeKind.Changed, changed.Kind);
        Assert.Equal(90, changed.Before!.ExpirationDays);
        Assert.Contains(drift.ForeignRules, r => r.Id == "someone-else");
        Assert.False(drift.DeletesSooner); // putting 540 back deletes later, not sooner

        using (var client = S3.CreateClient())
        {
            await client.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = bucket });
        }

        Assert.Equal(RuleChangeKind.Added, Assert.Single((await LifecycleEngine.PlanAsync(request, default)).Changes).Kind);
    }

    [Fact]
    public async Task Rules_really_expire_and_transition_objects_while_the_legal_hold_prefix_is_untouched()
    {
        using var folder = new TempFolder();
        var bucket = await S3.CreateBucketAsync("lc-run");
        var template = Path.Combine(folder.Path, "lifecycle.json");
        await File.WriteAllTextAsync(template, $$"""
            { "version": 1, "buckets": [ { "bucket": "{{bucket}}", "legalHoldPrefixes": ["legal/"],
              "rules": [ { "name": "scratch", "prefix": "scratch/", "expirationDays": 1 },
                         { "name": "tier", "prefix": "tier/", "phases": [ { "afterDays": 1, "storageClass": "InfrequentAccess" } ] } ] } ] }
            """);
        using var client = S3.CreateClient();
        foreach (var key in new[] { "scratch/old.bin", "legal/contract.pdf", "tier/receipt.pdf" })
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "content of " + key });
        }

        var applied = await LifecycleEngine.ApplyAsync(new LifecycleRequest { Bucket = bucket, S3 = S3.Options, TemplatePath = template }, default);
        Assert.True(applied.Applied);
        Assert.True(applied.DeletesSooner);

        // One lifecycle "day" is S3RGW's debug interval (10 s); give the lifecycle thread a few passes.
        var deadline = DateTime.UtcNow.AddSeconds(150);
        bool expired = false, transitioned = false;
        while (DateTime.UtcNow < deadline && !(expired && transitioned))
        {
            await Task.Delay(3000);
            var keys = await S3.ListKeysAsync(bucket);
            expired = !keys.Contains("scratch/old.bin");
            var head = await client.GetObjectMetadataAsync(bucket, "tier/receipt.pdf");
            transitioned = head.StorageClass?.Value == "STANDARD_IA";
        }

        Assert.True(expired, "scratch/old.bin should have expired after one compressed day");
        Assert.True(transitioned, "tier/receipt.pdf should have moved to STANDARD_IA");
        Assert.Contains("legal/contract.pdf", await S3.ListKeysAsync(bucket));
        Assert.Contains("tier/receipt.pdf", await S3.ListKeysAsync(bucket));
    }
}
