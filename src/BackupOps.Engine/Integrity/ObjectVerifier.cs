using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Integrity;

/// <summary>
/// Samples objects under a prefix, streams each one through SHA-256 (and MD5 when only an ETag can vouch for it)
/// and compares with the hash the object carries. A mismatch is reported, never skipped.
/// </summary>
public static class ObjectVerifier
{
    /// <summary>Checks the sampled objects; one result per object, in sample order.</summary>
    public static async Task<IReadOnlyList<ObjectCheck>> VerifyAsync(ObjectVerifyRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count < 1)
        {
            throw BackupOpsException.InvalidInput("SampleCountInvalid", $"A sample of {request.Count} objects checks nothing. Use 1 or more, or -All.");
        }

        request.S3.Validate();
        using var client = S3ClientFactory.Create(request.S3);
        var decorator = new S3RequestDecorator(request.S3);
        var objects = await ListAsync(client, request, cancellationToken).ConfigureAwait(false);
        var sample = Sample(objects, request);
        var manifests = new Dictionary<string, string?>(StringComparer.Ordinal);
        var results = new List<ObjectCheck>();
        foreach (var (item, index) in sample.Select((o, i) => (o, i)))
        {
            progress?.Report(new OperationProgress($"Verifying s3://{request.Bucket}/{request.Prefix}", $"{index + 1} of {sample.Count}: {item.Key}", index, sample.Count, 0));
            results.Add(await CheckAsync(client, decorator, request, item, manifests, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private static async Task<List<S3Object>> ListAsync(AmazonS3Client client, ObjectVerifyRequest request, CancellationToken cancellationToken)
    {
        var all = new List<S3Object>();
        var list = new ListObjectsV2Request { BucketName = request.Bucket, Prefix = request.Prefix };
        try
        {
            while (true)
            {
                var page = await client.ListObjectsV2Async(list, cancellationToken).ConfigureAwait(false);
                all.AddRange(page.S3Objects ?? []);
                if (page.IsTruncated != true)
                {
                    return all;
                }

                list.ContinuationToken = page.NextContinuationToken;
            }
        }
        catch (Exception ex) when (ex is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException)
        {
            throw S3ErrorTranslator.Translate(ex, request.Bucket, "list objects to sample");
        }
    }

    private static List<S3Object> Sample(List<S3Object> objects, ObjectVerifyRequest request) => request.Mode switch
    {
        SampleMode.All => objects,
        SampleMode.Random => [.. objects.OrderBy(o => o.Key, StringComparer.Ordinal).ToList().Shuffle(request.Seed).Take(request.Count)],
        _ => [.. objects.OrderByDescending(o => o.LastModified).Take(request.Count)],
    };

    private static List<T> Shuffle<T>(this List<T> items, int? seed)
    {
        var random = seed is { } s ? new Random(s) : Random.Shared;
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }

    private static async Task<ObjectCheck> CheckAsync(AmazonS3Client client, S3RequestDecorator decorator, ObjectVerifyRequest request, S3Object item, Dictionary<string, string?> manifests, CancellationToken cancellationToken)
    {
        try
        {
            var head = new GetObjectMetadataRequest { BucketName = request.Bucket, Key = item.Key };
            decorator.Apply(head);
            var metadata = await client.GetObjectMetadataAsync(head, cancellationToken).ConfigureAwait(false);
            var storageClass = metadata.StorageClass?.Value is { Length: > 0 } sc ? sc : "STANDARD";
            var (reference, expected) = await ReferenceAsync(client, request, item.Key, metadata, manifests, cancellationToken).ConfigureAwait(false);

            var get = new GetObjectRequest { BucketName = request.Bucket, Key = item.Key };
            decorator.Apply(get);
            using var response = await client.GetObjectAsync(get, cancellationToken).ConfigureAwait(false);
            var savedTo = request.Destination is null ? null : LocalCopyPath(request.Destination, item.Key);
            var (sha256, md5, size) = await HashAsync(response.ResponseStream, savedTo, cancellationToken).ConfigureAwait(false);

            var actual = reference == HashReference.EtagMd5 ? md5 : sha256;
            var (outcome, detail) = reference switch
            {
                HashReference.None => (ObjectCheckOutcome.Unverified, "no x-amz-meta-sha256, no BackupOps manifest, and a multipart or encrypted ETag: nothing to compare with"),
                _ when string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase) => (ObjectCheckOutcome.Passed, reference == HashReference.EtagMd5 ? $"MD5 {md5} equals the ETag (weaker than SHA-256)" : $"SHA-256 equals the {Describe(reference)}"),
                _ => (ObjectCheckOutcome.Failed, $"{(reference == HashReference.EtagMd5 ? "MD5" : "SHA-256")} of the content is {actual}, but the {Describe(reference)} says {expected}: the object changed after it was recorded"),
            };
            return new ObjectCheck(request.Bucket, item.Key, size, storageClass, outcome, reference, sha256, detail, savedTo);
        }
        catch (Exception ex) when (ex is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            throw S3ErrorTranslator.Translate(ex, request.Bucket, $"verify {item.Key}");
        }
    }

    private static string LocalCopyPath(string destination, string key)
    {
        var root = Path.GetFullPath(destination);
        var path = Path.GetFullPath(Path.Combine(root, key.Replace('/', Path.DirectorySeparatorChar)));
        return path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw BackupOpsException.InvalidInput("ObjectKeyUnsafe", $"The key '{key}' would be written outside {root}; it was not copied.");
    }

    private static string Describe(HashReference reference) => reference switch
    {
        HashReference.MetadataSha256 => "object's x-amz-meta-sha256",
        HashReference.Manifest => "backup manifest",
        _ => "ETag",
    };

    private static async Task<(HashReference, string)> ReferenceAsync(AmazonS3Client client, ObjectVerifyRequest request, string key, GetObjectMetadataResponse metadata, Dictionary<string, string?> manifests, CancellationToken cancellationToken)
    {
        if (metadata.Metadata["x-amz-meta-sha256"] is { Length: 64 } recorded)
        {
            return (HashReference.MetadataSha256, recorded);
        }

        if (BackupKeys.BackupIdOf(key) is { } id && !key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal) && !key.EndsWith(Signing.ManifestSignatures.Suffix, StringComparison.Ordinal))
        {
            var manifestKey = key[..(key.LastIndexOf('/') + 1)] + id + BackupKeys.ManifestSuffix;
            if (!manifests.TryGetValue(manifestKey, out var fromManifest))
            {
                fromManifest = await ReadManifestHashAsync(client, request, manifestKey, key, cancellationToken).ConfigureAwait(false);
                manifests[manifestKey] = fromManifest;
            }

            if (fromManifest is not null)
            {
                return (HashReference.Manifest, fromManifest);
            }
        }

        var etag = metadata.ETag?.Trim('"') ?? string.Empty;
        var encrypted = metadata.ServerSideEncryptionCustomerMethod is not null && metadata.ServerSideEncryptionCustomerMethod != ServerSideEncryptionCustomerMethod.None
            || metadata.ServerSideEncryptionMethod == ServerSideEncryptionMethod.AWSKMS;
        return etag.Length == 32 && etag.All(char.IsAsciiHexDigit) && !encrypted ? (HashReference.EtagMd5, etag) : (HashReference.None, string.Empty);
    }

    private static async Task<string?> ReadManifestHashAsync(AmazonS3Client client, ObjectVerifyRequest request, string manifestKey, string dataKey, CancellationToken cancellationToken)
    {
        var get = new GetObjectRequest { BucketName = request.Bucket, Key = manifestKey };
        new S3RequestDecorator(request.S3).Apply(get);
        try
        {
            using var response = await client.GetObjectAsync(get, cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            var manifest = ManifestSerializer.Deserialize(copy.ToArray(), manifestKey);
            return dataKey.EndsWith(manifest.DataKey, StringComparison.Ordinal) ? manifest.Sha256 : null;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<(string Sha256, string Md5, long Size)> HashAsync(Stream content, string? savePath, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
#pragma warning disable CA5351 // MD5 only to compare with an S3 ETag, which is an MD5; SHA-256 is the real check.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        FileStream? file = null;
        if (savePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(savePath)!);
            file = new FileStream(savePath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        long size = 0;
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                md5.AppendData(buffer, 0, read);
                size += read;
                if (file is not null)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }

        return (Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(), Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant(), size);
    }
}
