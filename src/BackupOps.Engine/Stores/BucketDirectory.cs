namespace BackupOps.Engine.Stores;

/// <summary>The buckets an S3 endpoint shows to the configured key (for argument completion).</summary>
public static class BucketDirectory
{
    /// <summary>Bucket names, sorted; errors are the usual translated S3 errors.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(S3StoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var client = S3ClientFactory.Create(options);
        try
        {
            var response = await client.ListBucketsAsync(new Amazon.S3.Model.ListBucketsRequest(), cancellationToken).ConfigureAwait(false);
            return [.. (response.Buckets ?? []).Select(b => b.BucketName).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is Amazon.S3.AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            throw S3ErrorTranslator.Translate(ex, "*", "list buckets");
        }
    }
}
