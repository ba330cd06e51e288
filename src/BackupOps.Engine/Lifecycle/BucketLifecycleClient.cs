using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Lifecycle;

/// <summary>Reads and writes bucket lifecycle configurations, normalising what servers return.</summary>
internal sealed class BucketLifecycleClient(AmazonS3Client client)
{
    public async Task<BucketLifecycle> GetAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
            var rules = response.Configuration?.Rules ?? [];
            if (rules.Count == 0)
            {
                // Ceph RGW answers an empty configuration for a bucket that does not exist.
                await EnsureBucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false);
            }

            return new BucketLifecycle(bucket, [.. rules.Select(r => (Normalise(r), r))]);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchLifecycleConfiguration")
        {
            // A typo in a bucket name must be an error, not "no policy yet": some servers answer this (or an empty
            // configuration) for a bucket that does not exist.
            await EnsureBucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false);
            return new BucketLifecycle(bucket, []);
        }
        catch (Exception ex) when (ex is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            throw S3ErrorTranslator.Translate(ex, bucket, "read the lifecycle configuration");
        }
    }

    private async Task EnsureBucketExistsAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            await client.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound || ex.ErrorCode == "NoSuchBucket")
        {
            throw S3ErrorTranslator.BucketNotFound(bucket);
        }
        catch (Exception ex) when (ex is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            throw S3ErrorTranslator.Translate(ex, bucket, "check that the bucket exists");
        }
    }

    /// <summary>Writes the whole configuration: the kept raw rules as they were, the managed rules from their specs.</summary>
    public async Task PutAsync(string bucket, IEnumerable<LifecycleRule> keep, IEnumerable<LifecycleRuleSpec> managed, CancellationToken cancellationToken)
    {
        var rules = keep.Concat(managed.Select(ToSdk)).ToList();
        try
        {
            if (rules.Count == 0)
            {
                await client.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
                return;
            }

            await client.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = bucket, Configuration = new LifecycleConfiguration { Rules = rules } }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            throw S3ErrorTranslator.Translate(ex, bucket, "write the lifecycle configuration");
        }
    }

    internal static LifecycleRuleSpec Normalise(LifecycleRule rule)
    {
        var predicate = rule.Filter?.LifecycleFilterPredicate;
#pragma warning disable CS0618 // Ceph RGW returns an empty-prefix filter as the legacy <Prefix/>, which only this property carries.
        var prefix = predicate is LifecyclePrefixPredicate p ? p.Prefix : rule.Filter?.Prefix ?? rule.Prefix;
#pragma warning restore CS0618
        var unmodelled = (predicate is not null && predicate is not LifecyclePrefixPredicate)
            || rule.Filter?.Tag is not null || rule.Filter?.And is not null || rule.Filter?.ObjectSizeGreaterThan is not null || rule.Filter?.ObjectSizeLessThan is not null
            || rule.NoncurrentVersionExpiration is not null || rule.NoncurrentVersionTransitions is { Count: > 0 }
            || rule.Expiration?.Date is not null || rule.Expiration?.ExpiredObjectDeleteMarker == true
            || (rule.Transitions ?? []).Any(t => t.Date is not null);
        return new LifecycleRuleSpec
        {
            Id = rule.Id ?? string.Empty,
            Prefix = prefix ?? string.Empty,
            Enabled = rule.Status == LifecycleRuleStatus.Enabled,
            Transitions = [.. (rule.Transitions ?? []).Where(t => t.Days is not null).Select(t => new LifecycleTransitionSpec(t.Days!.Value, t.StorageClass?.Value ?? string.Empty)).OrderBy(t => t.Days)],
            ExpirationDays = rule.Expiration?.Days,
            AbortIncompleteMultipartDays = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
            HasUnmodelledParts = unmodelled,
        };
    }

    private static LifecycleRule ToSdk(LifecycleRuleSpec spec)
    {
        var rule = new LifecycleRule
        {
            Id = spec.Id,
            Status = spec.Enabled ? LifecycleRuleStatus.Enabled : LifecycleRuleStatus.Disabled,
            Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = spec.Prefix } },
        };
        if (spec.Transitions.Count > 0)
        {
            rule.Transitions = [.. spec.Transitions.Select(t => new LifecycleTransition { Days = t.Days, StorageClass = S3StorageClass.FindValue(t.StorageClass) })];
        }

        if (spec.ExpirationDays is { } expiration)
        {
            rule.Expiration = new LifecycleRuleExpiration { Days = expiration };
        }

        if (spec.AbortIncompleteMultipartDays is { } abort)
        {
            rule.AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = abort };
        }

        return rule;
    }
}
