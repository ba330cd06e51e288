using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Bench;

/// <summary>Frees the benchmark's in-memory RGW between runs: a 4 GB dataset cannot keep every run's upload.</summary>
internal static class S3Cleanup
{
    public static async Task EmptyPrefixAsync(S3StoreOptions options, string bucket, string prefix)
    {
        using var client = new AmazonS3Client(options.AccessKey, options.SecretKey, new AmazonS3Config { ServiceURL = options.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        foreach (var item in listing.S3Objects ?? [])
        {
            await client.DeleteObjectAsync(bucket, item.Key);
        }
    }
}
