using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>A bucket (and optional key prefix) on an S3-compatible service as a store.</summary>
public sealed class S3BackupStore : IBackupStore
{
    private readonly AmazonS3Client _client;
    private readonly S3StoreOptions _options;
    private readonly S3RequestDecorator _decorator;
    private readonly S3ObjectLocks _locks;

    /// <summary>Creates a store for <paramref name="bucket"/> under <paramref name="prefix"/>.</summary>
    public S3BackupStore(string bucket, string prefix, S3StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Bucket = bucket;
        Prefix = prefix.Trim('/');
        _options = options;
        _decorator = new S3RequestDecorator(options);
        _client = S3ClientFactory.Create(options);
        _locks = new S3ObjectLocks(_client, options, bucket);
    }

    /// <summary>The bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix inside the bucket, without slashes at either end.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public string Display => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";

    /// <inheritdoc />
    public ObjectLockSettings? ObjectLock => _options.ObjectLock;

    /// <inheritdoc />
    public Task<IStoreObjectWriter> BeginWriteAsync(string key, long expectedBytes, CancellationToken cancellationToken) =>
        Task.FromResult<IStoreObjectWriter>(new S3MultipartWriter(_client, _options, _options.PartSizeFor(expectedBytes), Bucket, FullKey(key)) { Locks = _locks });

    /// <inheritdoc />
    public Task PutSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        PutAsync(key, content, null, cancellationToken);

    /// <inheritdoc />
    public Task PutManifestAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        PutAsync(key, content, _options.ObjectLock, cancellationToken);

    /// <inheritdoc />
    public Task ReplaceSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        PutSmallAsync(key, content, cancellationToken); // a PUT replaces atomically

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken) => _locks.RetainUntilAsync(FullKey(key), cancellationToken);

    /// <summary>Fails with the one-line fix unless the bucket can lock what <see cref="ObjectLock"/> asks for; returns what it found.</summary>
    public Task<string> CheckObjectLockAsync(CancellationToken cancellationToken) =>
        _options.ObjectLock is { } settings ? _locks.EnsureEnabledAsync(settings, cancellationToken) : Task.FromResult("no Object Lock asked for");

    /// <inheritdoc />
    public async Task<byte[]?> TryGetSmallAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "S3ObjectNotFound")
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var get = new GetObjectRequest { BucketName = Bucket, Key = FullKey(key) };
        _decorator.Apply(get);
        var response = await RunAsync(guard => _client.GetObjectAsync(get, guard.Token), $"read {key}", cancellationToken).ConfigureAwait(false);
        return new ResponseOwningStream(response, this, $"read {key}");
    }

    /// <inheritdoc />
    public string? TryGetLocalPath(string key) => null;

    /// <inheritdoc />
    public async IAsyncEnumerable<StoreObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = FullKey(prefix) };
        while (true)
        {
            var response = await RunAsync(guard => _client.ListObjectsV2Async(request, guard.Token), "list backups", cancellationToken).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new StoreObject(RelativeKey(item.Key), item.Size ?? 0, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue) { ETag = item.ETag };
            }

            if (response.IsTruncated != true)
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IncompleteWrite>> ListIncompleteWritesAsync(string prefix, CancellationToken cancellationToken)
    {
        var result = new List<IncompleteWrite>();
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = FullKey(prefix) };
        while (true)
        {
            var response = await RunAsync(guard => _client.ListMultipartUploadsAsync(request, guard.Token), "list incomplete uploads", cancellationToken).ConfigureAwait(false);
            foreach (var upload in response.MultipartUploads ?? [])
            {
                var started = upload.Initiated is { } initiated ? new DateTimeOffset(initiated.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;
                result.Add(new IncompleteWrite(RelativeKey(upload.Key), started, upload.UploadId, $"incomplete multipart upload {upload.UploadId}"));
            }

            if (response.IsTruncated != true)
            {
                return result;
            }

            request.KeyMarker = response.NextKeyMarker;
            request.UploadIdMarker = response.NextUploadIdMarker;
        }
    }

    /// <inheritdoc />
    public async Task DiscardIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var abort = new AbortMultipartUploadRequest { BucketName = Bucket, Key = FullKey(write.Key), UploadId = write.Handle };
        await RunAsync(guard => _client.AbortMultipartUploadAsync(abort, guard.Token), $"abort the upload of {write.Key}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken) => _locks.DeleteAsync(FullKey(key), key, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PutAsync(string key, ReadOnlyMemory<byte> content, ObjectLockSettings? locked, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        var retainUntil = locked?.RetainUntilFrom(DateTimeOffset.UtcNow);
        var response = await RunAsync(
            guard =>
            {
                var put = new PutObjectRequest { BucketName = Bucket, Key = FullKey(key), InputStream = new GuardedBody(body, guard), AutoCloseStream = false, ContentType = "application/json" };
                put.Metadata.Add("sha256", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content.Span)).ToLowerInvariant());
                if (locked is not null && retainUntil is { } until)
                {
                    S3ObjectLocks.Apply(put, locked, until, content.Span);
                }

                _decorator.Apply(put);
                return _client.PutObjectAsync(put, guard.Token);
            },
            $"write {key}",
            cancellationToken).ConfigureAwait(false);
        if (locked is not null && retainUntil is { } confirmUntil)
        {
            await _locks.ConfirmAsync(FullKey(key), response.VersionId, locked, confirmUntil, cancellationToken).ConfigureAwait(false);
        }
    }

    private string FullKey(string key) => Prefix.Length == 0 ? key : Prefix + "/" + key;

    private string RelativeKey(string fullKey) => Prefix.Length == 0 ? fullKey : fullKey[(Prefix.Length + 1)..];

    /// <summary>One request under the stall deadline (<see cref="StallGuard"/>), its failures translated.</summary>
    private async Task<T> RunAsync<T>(Func<StallGuard, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        using var guard = new StallGuard(_options.StallTimeout, cancellationToken);
        try
        {
            return await call(guard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (guard.Stalled)
        {
            throw StallGuard.StalledError(_options.EndpointDisplay, Bucket, what, _options.StallTimeout);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or Amazon.Runtime.AmazonClientException)
        {
            throw S3ErrorTranslator.Translate(ex, Bucket, what);
        }
    }

    /// <summary>
    /// A GET's body. Each read has the stall deadline: a read returns as soon as any byte arrives, so only silence
    /// (not a slow download) fails it, as S3Stalled naming the endpoint.
    /// </summary>
    private sealed class ResponseOwningStream(GetObjectResponse response, S3BackupStore store, string what) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var guard = new StallGuard(store._options.StallTimeout, cancellationToken);
            try
            {
                return await _inner.ReadAsync(buffer, guard.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (guard.Stalled)
            {
                throw StallGuard.StalledError(store._options.EndpointDisplay, store.Bucket, what, store._options.StallTimeout);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw S3ErrorTranslator.Translate(ex, store.Bucket, what);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
