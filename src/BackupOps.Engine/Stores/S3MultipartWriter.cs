using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace BackupOps.Engine.Stores;

/// <summary>
/// Streams an object of unknown length into S3. Bytes collect in a part-sized buffer; each full buffer is
/// uploaded as a part while the next fills, with at most <see cref="S3StoreOptions.MaxConcurrentParts"/> in flight,
/// so memory stays at about (concurrency + 1) × part size whatever the object's size. The first buffer starts
/// small and doubles up to the part size, so the many small objects (manifests, run records) cost kilobytes,
/// not a part. An object that fits in one part becomes a single PUT (cheaper, and its metadata can carry the
/// SHA-256). Any failure, or a dispose
/// without commit, aborts the multipart upload so no orphaned parts are billed. The requests that create something
/// on the server (the upload's start, its completion, the single PUT) are never cancelled with the caller's token:
/// a cancelled request can still take effect there while its answer is lost, so the caller stops waiting at once
/// and <see cref="S3WriteCleanup"/> learns the outcome (or asks the server) before it removes what was created.
/// </summary>
internal sealed class S3MultipartWriter : IStoreObjectWriter
{
    private readonly AmazonS3Client _client;
    private readonly S3StoreOptions _options;
    private readonly S3RequestDecorator _decorator;
    private readonly string _bucket;
    private readonly string _key;
    private readonly SemaphoreSlim _slots;
    private readonly List<Task<PartETag>> _parts = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly PartBufferPool _pool;
    private readonly int _partSize;
    private readonly int _maximumParts;
    private const int InitialBufferSize = 64 * 1024;
    private byte[] _buffer;
    private int _filled;
    private string? _uploadId;
    private Task<InitiateMultipartUploadResponse>? _starting;
    private Task<string?>? _committing;
    private bool _finished;
    private readonly DateTimeOffset? _retainUntil;

    public S3MultipartWriter(AmazonS3Client client, S3StoreOptions options, int partSize, string bucket, string key, int maximumParts = S3StoreOptions.MaximumParts)
    {
        _client = client;
        _options = options;
        _decorator = new S3RequestDecorator(options);
        _bucket = bucket;
        _key = key;
        _slots = new SemaphoreSlim(options.MaxConcurrentParts);
        _partSize = partSize;
        _maximumParts = maximumParts;
        _pool = new PartBufferPool(partSize);
        _buffer = new byte[Math.Min(InitialBufferSize, partSize)];
        _retainUntil = options.ObjectLock?.RetainUntilFrom(DateTimeOffset.UtcNow);
    }

    public long BytesWritten { get; private set; }

    /// <summary>The bucket's lock operations (set by the store): confirm the retention after commit.</summary>
    public S3ObjectLocks? Locks { get; init; }

    /// <inheritdoc />
    public DateTimeOffset? RetainUntilUtc => _retainUntil;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!data.IsEmpty)
        {
            if (_filled == _buffer.Length && _buffer.Length < _partSize)
            {
                Grow();
            }

            var room = _buffer.Length - _filled;
            var take = Math.Min(room, data.Length);
            data.Span[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            BytesWritten += take;
            data = data[take..];
            if (_filled == _partSize)
            {
                await FlushPartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        try
        {
            if (_uploadId is null)
            {
                _committing = S3WriteCleanup.Detached(PutSingleAsync(sha256Hex));
            }
            else
            {
                if (_filled > 0)
                {
                    await FlushPartAsync(cancellationToken).ConfigureAwait(false);
                }

                var etags = await Task.WhenAll(_parts).ConfigureAwait(false);
                var complete = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = _key, UploadId = _uploadId };
                complete.PartETags = [.. etags.OrderBy(p => p.PartNumber)];
                _committing = S3WriteCleanup.Detached(CompleteAsync(complete));
            }

            // Cancellation stops the wait, not the request: the cleanup needs to know whether the object was stored.
            var versionId = await _committing.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Trust nothing the server did not confirm: the committed object must have every byte we sent.
            var head = new GetObjectMetadataRequest { BucketName = _bucket, Key = _key };
            _decorator.Apply(head);
            var metadata = await SendAsync(guard => _client.GetObjectMetadataAsync(head, guard.Token), $"check the upload of {_key}", cancellationToken).ConfigureAwait(false);
            if (metadata.ContentLength != BytesWritten)
            {
                throw new Errors.BackupOpsException(
                    Errors.BackupOpsErrorKind.IntegrityFailed,
                    "S3SizeMismatch",
                    $"s3://{_bucket}/{_key} holds {metadata.ContentLength} bytes after upload, but {BytesWritten} were sent.");
            }

            if (_options.ObjectLock is { } locked && _retainUntil is { } until && Locks is not null)
            {
                await Locks.ConfirmAsync(_key, versionId, locked, until, cancellationToken).ConfigureAwait(false);
            }

            _finished = true;
            ReturnBuffer();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var leftBehind = await AbortAsync().ConfigureAwait(false);
            throw S3ErrorTranslator.Translate(ex, _bucket, $"upload {_key}").WithNote(leftBehind);
        }
    }

    public async Task<string?> AbortAsync()
    {
        if (_finished)
        {
            return null;
        }

        _finished = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_parts).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AmazonServiceException or AmazonClientException or HttpRequestException or IOException or Errors.BackupOpsException)
        {
            // The parts were being abandoned anyway.
        }

        // Not cancellable (an abort that stops half-way would leave billed parts behind), but bounded: after a stall or
        // a dead server the cleanup meets the same silence, and must not hold the first error hostage.
        var leftBehind = await new S3WriteCleanup(_client, _options, Locks, _bucket, _key).RunAsync(_starting, _committing).ConfigureAwait(false);
        ReturnBuffer();
        return leftBehind;
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        _abort.Dispose();
        _slots.Dispose();
    }

    private async Task<string?> PutSingleAsync(string sha256Hex)
    {
        using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
        var response = await SendAsync(
            guard =>
            {
                var put = new PutObjectRequest { BucketName = _bucket, Key = _key, InputStream = new GuardedBody(body, guard), AutoCloseStream = false, ContentType = "application/octet-stream" };
                if (sha256Hex.Length > 0)
                {
                    put.Metadata.Add("sha256", sha256Hex);
                }

                if (_options.ObjectLock is { } locked && _retainUntil is { } until)
                {
                    S3ObjectLocks.Apply(put, locked, until, _buffer.AsSpan(0, _filled));
                }

                _decorator.Apply(put);
                return _client.PutObjectAsync(put, guard.Token);
            },
            $"upload {_key}",
            CancellationToken.None).ConfigureAwait(false);
        return response.VersionId;
    }

    private async Task<string?> CompleteAsync(CompleteMultipartUploadRequest complete) =>
        (await SendAsync(guard => _client.CompleteMultipartUploadAsync(complete, guard.Token), $"complete the upload of {_key}", CancellationToken.None).ConfigureAwait(false)).VersionId;

    private async Task FlushPartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _key, ContentType = "application/octet-stream" };
            if (_options.ObjectLock is { } locked && _retainUntil is { } until)
            {
                S3ObjectLocks.Apply(initiate, locked, until);
            }

            _decorator.Apply(initiate);

            // Cancellation stops the wait, not the request: an upload the server creates is aborted by its id.
            _starting = S3WriteCleanup.Detached(SendAsync(guard => _client.InitiateMultipartUploadAsync(initiate, guard.Token), $"start the upload of {_key}", CancellationToken.None));
            _uploadId = (await _starting.WaitAsync(cancellationToken).ConfigureAwait(false)).UploadId;
        }

        await ThrowIfAPartFailedAsync().ConfigureAwait(false);
        if (_parts.Count == _maximumParts)
        {
            // Refused before S3 would refuse part 10,001 after hours of streaming; the abort removes the parts.
            throw Errors.BackupOpsException.InvalidInput(
                "S3TooManyParts",
                $"s3://{_bucket}/{_key} outgrew {_maximumParts} parts of {_partSize / 1048576} MiB. Rerun with a larger part size (BACKUPOPS_S3_PART_SIZE_MB={Math.Min(1024, _partSize / 1048576 * 4)}, or --part-size-mb for backupops).");
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);

        // The slot may have been freed by a part that failed (a stall, a dead server): stop here, not one part later.
        await ThrowIfAPartFailedAsync().ConfigureAwait(false);
        var buffer = _buffer;
        var length = _filled;
        var partNumber = _parts.Count + 1;
        _buffer = _pool.Rent();
        _filled = 0;
        _parts.Add(UploadPartAsync(buffer, length, partNumber));
    }

    // Surface a failed part now rather than after streaming the rest of the dump.
    private async Task ThrowIfAPartFailedAsync()
    {
        foreach (var done in _parts.Where(p => p.IsFaulted))
        {
            await done.ConfigureAwait(false);
        }
    }

    private async Task<PartETag> UploadPartAsync(byte[] buffer, int length, int partNumber)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await SendAsync(
                guard =>
                {
                    var request = new UploadPartRequest
                    {
                        BucketName = _bucket,
                        Key = _key,
                        UploadId = _uploadId,
                        PartNumber = partNumber,
                        PartSize = length,
                        InputStream = new GuardedBody(body, guard),
                    };
                    if (_options.ObjectLock is { SetsObjectRetention: true })
                    {
                        request.MD5Digest = S3ObjectLocks.Md5(buffer.AsSpan(0, length));
                    }

                    _decorator.Apply(request);
                    return _client.UploadPartAsync(request, guard.Token);
                },
                $"upload part {partNumber} of {_key}",
                _abort.Token).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag);
        }
        finally
        {
            _pool.Return(buffer);
            _slots.Release();
        }
    }

    /// <summary>One request under the stall deadline, its failures translated into BackupOps errors.</summary>
    private async Task<T> SendAsync<T>(Func<StallGuard, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        var limit = _options.StallTimeout;
        using var guard = new StallGuard(limit, cancellationToken);
        try
        {
            return await call(guard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (guard.Stalled)
        {
            throw StallGuard.StalledError(_options.EndpointDisplay, _bucket, what, limit);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw S3ErrorTranslator.Translate(ex, _bucket, what);
        }
    }

    // From the small first buffer straight to a whole part: doubling through 128 KiB ... 4 MiB left about 8 MB of
    // large-object-heap garbage that the part-sized buffers can never reuse (dotnet-counters: 8.2 MB LOH
    // fragmentation in every backup). A part buffer costs memory only as it is filled (uninitialized, fresh pages).
    private void Grow()
    {
        var grown = _pool.Rent();
        _buffer.AsSpan(0, _filled).CopyTo(grown);
        _buffer = grown;
    }

    private void ReturnBuffer() => _buffer = [];
}
