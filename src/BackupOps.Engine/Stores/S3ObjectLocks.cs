using System.Globalization;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// Object Lock and versioning for one bucket: the retention headers at upload, the proof afterwards that the object
/// really carries them, the preflight that the bucket can lock at all, and deletes that remove every version. Object
/// Lock needs versioning, and on a versioned bucket a DELETE without a version id only adds a delete marker and
/// "succeeds": the backup would vanish from listings while its bytes stayed, so deletes here go version by version.
/// </summary>
internal sealed class S3ObjectLocks(AmazonS3Client client, S3StoreOptions options, string bucket)
{
    private bool? _lockEnabled;
    private bool? _versioned;

    /// <summary>The error when a lock is asked for and the bucket has none: one line, with how to get one.</summary>
    public static BackupOpsException NotEnabled(string bucket, ObjectLockSettings settings) =>
        new(BackupOpsErrorKind.InvalidInput, "S3ObjectLockNotEnabled", $"Bucket '{bucket}' has no S3 Object Lock, so the backup cannot be locked ({settings.ModeName.ToLowerInvariant()}, {settings.Days} days); nothing was backed up. Object Lock is switched on when a bucket is created (the header x-amz-bucket-object-lock-enabled: true, which 'aws s3api create-bucket' sends for its object-lock-enabled-for-bucket option; AWS and Ceph RGW), then back up there; on Cloudflare R2 add a bucket lock rule and use the mode bucket-rule; or drop -ObjectLockMode / --object-lock.") { Target = bucket };

    /// <summary>Sets the retention headers (and Content-MD5, which S3 requires on locked uploads) on a single PUT.</summary>
    public static void Apply(PutObjectRequest put, ObjectLockSettings settings, DateTimeOffset retainUntil, ReadOnlySpan<byte> body)
    {
        if (!settings.SetsObjectRetention)
        {
            return;
        }

        put.ObjectLockMode = ModeOf(settings);
        put.ObjectLockRetainUntilDate = retainUntil.UtcDateTime;
        put.MD5Digest = Md5(body);
    }

    /// <summary>Sets the retention headers on CreateMultipartUpload.</summary>
    public static void Apply(InitiateMultipartUploadRequest initiate, ObjectLockSettings settings, DateTimeOffset retainUntil)
    {
        if (settings.SetsObjectRetention)
        {
            initiate.ObjectLockMode = ModeOf(settings);
            initiate.ObjectLockRetainUntilDate = retainUntil.UtcDateTime;
        }
    }

    /// <summary>Content-MD5 for a part of a locked upload (S3 requires an integrity header on uploads to lock).</summary>
    public static string Md5(ReadOnlySpan<byte> body)
    {
#pragma warning disable CA5351 // Content-MD5 is the transport check S3 demands for Object Lock uploads, not a security hash.
        return Convert.ToBase64String(MD5.HashData(body));
#pragma warning restore CA5351
    }

    /// <summary>Fails with the one-line fix unless the bucket has Object Lock enabled (a preflight: before any data is sent).</summary>
    public async Task<string> EnsureEnabledAsync(ObjectLockSettings settings, CancellationToken cancellationToken)
    {
        if (!settings.SetsObjectRetention)
        {
            return $"{settings.ModeName.ToLowerInvariant()}: retain-until recorded in the manifest ({settings.Days} days); the bucket's own lock rule enforces it (the S3 API cannot show R2 bucket locks)";
        }

        GetObjectLockConfigurationResponse response;
        try
        {
            response = await RunAsync(guard => client.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket }, guard.Token), "read the bucket's Object Lock configuration", cancellationToken).ConfigureAwait(false);
        }
        catch (BackupOpsException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "ObjectLockConfigurationNotFoundError" or "NoSuchObjectLockConfiguration" or "InvalidRequest" } || ex.ErrorId == "S3ObjectNotFound")
        {
            throw NotEnabled(bucket, settings);
        }

        if (response.ObjectLockConfiguration?.ObjectLockEnabled != ObjectLockEnabled.Enabled)
        {
            throw NotEnabled(bucket, settings);
        }

        return $"bucket '{bucket}' has Object Lock enabled: data and manifests get {settings.ModeName} retention for {settings.Days} days";
    }

    /// <summary>
    /// Proves the committed version carries at least the retention asked for; sets it when the server dropped it
    /// (Ceph RGW 16 ignores the lock headers of CreateMultipartUpload), and fails when it still does not.
    /// </summary>
    public async Task ConfirmAsync(string key, string? versionId, ObjectLockSettings settings, DateTimeOffset retainUntil, CancellationToken cancellationToken)
    {
        if (!settings.SetsObjectRetention)
        {
            return;
        }

        if (await RetentionOfAsync(key, versionId, cancellationToken).ConfigureAwait(false) >= retainUntil.AddSeconds(-1))
        {
            return;
        }

        var put = new PutObjectRetentionRequest
        {
            BucketName = bucket,
            Key = key,
            VersionId = versionId,
            Retention = new ObjectLockRetention { Mode = settings.Mode == StoreLockMode.Compliance ? ObjectLockRetentionMode.Compliance : ObjectLockRetentionMode.Governance, RetainUntilDate = retainUntil.UtcDateTime },
        };
        await RunAsync(guard => client.PutObjectRetentionAsync(put, guard.Token), $"set the retention of {key}", cancellationToken).ConfigureAwait(false);
        if (await RetentionOfAsync(key, versionId, cancellationToken).ConfigureAwait(false) < retainUntil.AddSeconds(-1))
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "S3ObjectLockNotApplied", $"s3://{bucket}/{key} was uploaded but the server did not keep its {settings.ModeName} retention until {Format(retainUntil)}, so it is not immutable. Check the bucket's Object Lock support (docs/security.md).") { Target = key };
        }
    }

    /// <summary>The current version's retain-until, or null when it has none (or the bucket cannot lock).</summary>
    public async Task<DateTimeOffset?> RetainUntilAsync(string key, CancellationToken cancellationToken) =>
        await LockEnabledAsync(cancellationToken).ConfigureAwait(false) ? await RetentionOfAsync(key, null, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Deletes the key; on a versioned bucket every version and delete marker of it, markers last.</summary>
    public async Task DeleteAsync(string key, string display, CancellationToken cancellationToken)
    {
        if (!await VersionedAsync($"delete {display}", cancellationToken).ConfigureAwait(false))
        {
            var delete = new DeleteObjectRequest { BucketName = bucket, Key = key };
            await RunAsync(guard => client.DeleteObjectAsync(delete, guard.Token), $"delete {display}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var versions = new List<S3ObjectVersion>();
        var list = new ListVersionsRequest { BucketName = bucket, Prefix = key };
        while (true)
        {
            var response = await RunAsync(guard => client.ListVersionsAsync(list, guard.Token), $"list the versions of {display}", cancellationToken).ConfigureAwait(false);
            versions.AddRange((response.Versions ?? []).Where(v => v.Key == key));
            if (response.IsTruncated != true)
            {
                break;
            }

            list.KeyMarker = response.NextKeyMarker;
            list.VersionIdMarker = response.NextVersionIdMarker;
        }

        foreach (var version in versions.OrderBy(v => v.IsDeleteMarker == true))
        {
            var delete = new DeleteObjectRequest { BucketName = bucket, Key = key, VersionId = version.VersionId };
            try
            {
                await RunAsync(guard => client.DeleteObjectAsync(delete, guard.Token), $"delete version {version.VersionId} of {display}", cancellationToken).ConfigureAwait(false);
            }
            catch (BackupOpsException ex) when (ex.ErrorId == "S3AccessDenied" && version.IsDeleteMarker != true)
            {
                var until = await LockEnabledAsync(cancellationToken).ConfigureAwait(false) ? await RetentionOfAsync(key, version.VersionId, cancellationToken).ConfigureAwait(false) : null;
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "S3ObjectLocked", until is { } date
                    ? $"s3://{bucket}/{key} (version {version.VersionId}) is under Object Lock until {Format(date)} and cannot be deleted before then; nothing of it was removed."
                    : $"Deleting version {version.VersionId} of s3://{bucket}/{key} was denied: it is under Object Lock, or the key lacks s3:DeleteObjectVersion and s3:ListBucketVersions.") { Target = key };
            }
        }
    }

    /// <summary>A date as BackupOps prints it: UTC, to the second.</summary>
    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Amazon.S3.ObjectLockMode ModeOf(ObjectLockSettings settings) =>
        settings.Mode == StoreLockMode.Compliance ? Amazon.S3.ObjectLockMode.Compliance : Amazon.S3.ObjectLockMode.Governance;

    private async Task<DateTimeOffset?> RetentionOfAsync(string key, string? versionId, CancellationToken cancellationToken)
    {
        try
        {
            var request = new GetObjectRetentionRequest { BucketName = bucket, Key = key, VersionId = versionId };
            var response = await RunAsync(guard => client.GetObjectRetentionAsync(request, guard.Token), $"read the retention of {key}", cancellationToken).ConfigureAwait(false);
            return response.Retention?.RetainUntilDate is { } until && response.Retention.Mode is not null
                ? new DateTimeOffset(DateTime.SpecifyKind(until.ToUniversalTime(), DateTimeKind.Utc))
                : null;
        }
        catch (BackupOpsException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "NoSuchObjectLockConfiguration" or "ObjectLockConfigurationNotFoundError" or "InvalidRequest" } || ex.ErrorId is "S3ObjectNotFound" or "S3AccessDenied")
        {
            return null; // no retention on it; or the key may not read it, and then the delete itself is the judge
        }
    }

    // Both answers are cached for the store's life (they change only when someone reconfigures the bucket); a failed
    // or cancelled question is not, so a stalled cleanup cannot poison the next delete.
    private async Task<bool> LockEnabledAsync(CancellationToken cancellationToken) => _lockEnabled ??= await AskAsync(
        async token => (await client.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket }, token).ConfigureAwait(false)).ObjectLockConfiguration?.ObjectLockEnabled == ObjectLockEnabled.Enabled,
        "read the bucket's Object Lock configuration",
        cancellationToken).ConfigureAwait(false);

    private async Task<bool> VersionedAsync(string what, CancellationToken cancellationToken) => _versioned ??= await AskAsync(
        async token => (await client.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket }, token).ConfigureAwait(false)).VersioningConfig?.Status is { } status
            && (status == VersionStatus.Enabled || status == VersionStatus.Suspended),
        what,
        cancellationToken).ConfigureAwait(false);

    // A server that cannot answer (R2 has no versioning or Object Lock API, a key without the permission) is taken
    // as "no": the plain behaviour BackupOps had before.
    private async Task<bool> AskAsync(Func<CancellationToken, Task<bool>> question, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(guard => question(guard.Token), what, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupOpsException ex) when (ex.Kind is BackupOpsErrorKind.OperationFailed or BackupOpsErrorKind.NotFound or BackupOpsErrorKind.AuthenticationFailed && ex.ErrorId != "S3BucketNotFound")
        {
            return false;
        }
    }

    private async Task<T> RunAsync<T>(Func<StallGuard, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        using var guard = new StallGuard(options.StallTimeout, cancellationToken);
        try
        {
            return await call(guard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (guard.Stalled)
        {
            throw StallGuard.StalledError(options.EndpointDisplay, bucket, what, options.StallTimeout);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or AmazonClientException)
        {
            var translated = S3ErrorTranslator.Translate(ex, bucket, what);
            throw translated.InnerException is null && ex is AmazonS3Exception ? new BackupOpsException(translated.Kind, translated.ErrorId, translated.Message, ex) { Target = translated.Target } : translated;
        }
    }
}
