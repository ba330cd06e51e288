using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Bench;

/// <summary>Frees the benchmark's in-memory RGW between runs (a 4 GB dataset cannot keep every run's upload), and sizes what a run stored.</summary>
internal static class S3Cleanup
{
    public static async Task EmptyPrefixAsync(S3StoreOptions options, string bucket, string prefix)
    {
        using var client = Client(options);
        foreach (var item in await ListAsync(client, bucket, prefix))
        {
            await client.DeleteObjectAsync(bucket, item.Key);
        }
    }

    /// <summary>Bytes of the dump objects (keys containing <c>.dump</c>) under <paramref name="prefix"/>.</summary>
    public static async Task<long> SizeOfPrefixAsync(S3StoreOptions options, string bucket, string prefix)
    {
        using var client = Client(options);
        return (await ListAsync(client, bucket, prefix)).Where(o => o.Key.Contains(".dump", StringComparison.Ordinal)).Sum(o => o.Size ?? 0);
    }

    private static AmazonS3Client Client(S3StoreOptions options) =>
        new(options.AccessKey, options.SecretKey, new AmazonS3Config { ServiceURL = options.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    private static async Task<List<S3Object>> ListAsync(AmazonS3Client client, string bucket, string prefix)
    {
        var all = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        while (true)
        {
            var page = await client.ListObjectsV2Async(request);
            all.AddRange(page.S3Objects ?? []);
            if (page.IsTruncated != true)
            {
                return all;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }
}
