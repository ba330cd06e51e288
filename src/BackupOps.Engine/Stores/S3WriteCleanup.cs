using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// Removes what an abandoned write (failed or cancelled) may have created on the server, including through requests
/// whose answer never reached us. A request cancelled in flight can still take effect: Ceph RGW creates the multipart
/// upload or stores the object, then finds the connection gone ("complete_request() returned Broken pipe"), and the
/// SDK's retries of a request whose answer was lost can create a second upload. So cleanup asks the server instead
/// of trusting what the client heard: the object is deleted once a commit was sent, and every multipart upload of
/// the key is aborted once a start was sent. The key is the run's own (every writer's key holds a new backup id), so
/// an upload of that exact key is this write's. Every request is bounded by <see cref="S3StoreOptions.CleanupTimeout"/>
/// and none takes the caller's (cancelled) token. What cannot be removed is returned, for "Left behind: ...".
/// </summary>
internal sealed class S3WriteCleanup(AmazonS3Client client, S3StoreOptions options, S3ObjectLocks? locks, string bucket, string key)
{
    private readonly TimeSpan _bound = options.CleanupTimeout;

    private string Display => $"s3://{bucket}/{key}";

    /// <summary>
    /// Cleans up after a write. <paramref name="starting"/>: the CreateMultipartUpload sent, if any (it may still be
    /// under way); <paramref name="committing"/>: the CompleteMultipartUpload or single PUT sent, if any. Returns what
    /// could not be removed, or null.
    /// </summary>
    public async Task<string?> RunAsync(Task<InitiateMultipartUploadResponse>? starting, Task<string?>? committing)
    {
        var left = new List<string>();
        var (started, startedUpload) = starting is null ? (Outcome.Failed, null) : await SettleAsync(starting).ConfigureAwait(false);
        var uploadId = startedUpload?.UploadId;
        var completed = false;
        if (committing is not null)
        {
            // Sent is enough: a commit whose answer was lost, or one that is still under way, may have stored the object,
            // and so may one that failed after an attempt whose answer was lost (the SDK retries). Only a refusal of
            // the key's rights stored nothing for certain (and a delete would be refused as well).
            var (committed, _) = await SettleAsync(committing).ConfigureAwait(false);
            completed = committed == Outcome.Succeeded;
            if (committed == Outcome.Refused)
            {
                committing = null;
            }

            var (kept, silent) = committing is null ? (null, false) : await RemoveObjectAsync().ConfigureAwait(false);
            if (kept is not null)
            {
                left.Add(kept);
            }
            else if (committed == Outcome.Unanswered)
            {
                left.Add($"the commit of {Display} got no answer (none within {_bound.TotalSeconds:0} s of the cleanup); if the server completes it later, that object is not a valid backup, and the next prune removes it once it is older than the leftover grace period");
            }

            if (silent)
            {
                // The server did not take the delete: asking it for more would meet the same silence.
                if (uploadId is not null && !completed)
                {
                    left.Add(UploadLeft(uploadId, "the server did not answer the delete before it"));
                }

                return Join(left);
            }
        }

        if (starting is null)
        {
            return Join(left);
        }

        if (uploadId is not null && !completed && await AbortAsync(uploadId).ConfigureAwait(false) is { } failure)
        {
            // As above: no listing after an abort the server did not take.
            left.Add(UploadLeft(uploadId, failure));
            return Join(left);
        }

        if (await SweepAsync(uploadId).ConfigureAwait(false) is { } unswept)
        {
            left.Add(unswept);
        }
        else if (started == Outcome.Unanswered)
        {
            left.Add($"the start of a multipart upload of {Display} got no answer (none within {_bound.TotalSeconds:0} s of the cleanup); if the server creates it later, the next prune aborts it once it is older than the leftover grace period, as does a bucket rule with AbortIncompleteMultipartUpload");
        }

        return Join(left);
    }

    /// <summary>Starts a request the caller may stop waiting for: its failure is observed even if no one awaits it.</summary>
    public static Task<T> Detached<T>(Task<T> request)
    {
        _ = request.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return request;
    }

    private static string? Join(List<string> left) => left.Count == 0 ? null : string.Join("; ", left);

    // The request's outcome, waiting at most the cleanup bound for it.
    private async Task<(Outcome Outcome, T? Value)> SettleAsync<T>(Task<T> request)
    {
        try
        {
            return (Outcome.Succeeded, await request.WaitAsync(_bound).ConfigureAwait(false));
        }
        catch (TimeoutException)
        {
            return (Outcome.Unanswered, default);
        }
        catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.ConnectionFailed)
        {
            return (Outcome.Unanswered, default); // stalled, or the connection failed: the server may have acted
        }
        catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.AuthenticationFailed)
        {
            return (Outcome.Refused, default);
        }
        catch (Exception ex) when (ex is BackupOpsException or OperationCanceledException or AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            return (Outcome.Failed, default);
        }
    }

    // Deletes the key (every version of it on a versioned bucket). Kept: what remains, null when it is gone; silent:
    // the server did not answer at all (stalled, unreachable), so further cleanup requests would only wait as well.
    private async Task<(string? Kept, bool Silent)> RemoveObjectAsync()
    {
        using var deadline = new CancellationTokenSource(_bound);
        try
        {
            if (locks is not null)
            {
                await locks.DeleteAsync(key, key, deadline.Token).ConfigureAwait(false);
            }
            else
            {
                await SendAsync(token => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, token), "delete").ConfigureAwait(false);
            }

            return (null, false);
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "S3ObjectLocked")
        {
            return ($"{ex.Message.TrimEnd('.')} (it was stored as the write was abandoned and is not a valid backup)", false);
        }
        catch (Exception ex) when (ex is BackupOpsException or OperationCanceledException)
        {
            var silent = ex is OperationCanceledException || ErrorIdOf(ex) is "S3Stalled" or "S3EndpointUnreachable";
            return ($"{Display}, stored as the write was abandoned, could not be removed ({ErrorIdOf(ex)}); it is not a valid backup, and the next prune removes it once it is older than the leftover grace period", silent);
        }
    }

    // Null when aborted (or already gone), else the error id.
    private async Task<string?> AbortAsync(string uploadId)
    {
        try
        {
            await SendAsync(token => client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, token), "abort the upload").ConfigureAwait(false);
            return null;
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "S3ObjectNotFound")
        {
            return null; // NoSuchUpload: completed or aborted already
        }
        catch (Exception ex) when (ex is BackupOpsException or OperationCanceledException)
        {
            return ErrorIdOf(ex);
        }
    }

    // Aborts every other upload of the key the server holds: one whose start was never answered, a retry's duplicate.
    private async Task<string?> SweepAsync(string? aborted)
    {
        var request = new ListMultipartUploadsRequest { BucketName = bucket, Prefix = key };
        try
        {
            while (true)
            {
                var response = await SendAsync(token => client.ListMultipartUploadsAsync(request, token), "list the incomplete uploads").ConfigureAwait(false);
                foreach (var upload in (response.MultipartUploads ?? []).Where(u => u.Key == key && u.UploadId != aborted))
                {
                    if (await AbortAsync(upload.UploadId).ConfigureAwait(false) is { } failure)
                    {
                        return UploadLeft(upload.UploadId, failure);
                    }
                }

                if (response.IsTruncated != true)
                {
                    return null;
                }

                request.KeyMarker = response.NextKeyMarker;
                request.UploadIdMarker = response.NextUploadIdMarker;
            }
        }
        catch (Exception ex) when (ex is BackupOpsException or OperationCanceledException)
        {
            return aborted is not null
                ? null // the upload we knew of is aborted; only a lost duplicate could remain, and the listing is what failed
                : $"the incomplete uploads of {Display} could not be listed ({ErrorIdOf(ex)}), so one whose start was not answered may remain; the next prune aborts it once it is older than the leftover grace period, as does a bucket rule with AbortIncompleteMultipartUpload";
        }
    }

    private async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> call, string what)
    {
        using var guard = new StallGuard(_bound, CancellationToken.None);
        try
        {
            return await call(guard.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (guard.Stalled)
        {
            throw StallGuard.StalledError(options.EndpointDisplay, bucket, $"{what} of {key}", _bound);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw S3ErrorTranslator.Translate(ex, bucket, $"{what} of {key}");
        }
    }

    private string UploadLeft(string uploadId, string why) =>
        $"the incomplete multipart upload {uploadId} of {Display} could not be aborted ({why}); the next prune aborts it once it is older than the leftover grace period, as does a bucket rule with AbortIncompleteMultipartUpload";

    private static string ErrorIdOf(Exception ex) => (ex as BackupOpsException)?.ErrorId ?? ex.GetType().Name;

    private enum Outcome
    {
        /// <summary>Answered with success.</summary>
        Succeeded,

        /// <summary>Answered with an error, or failed otherwise.</summary>
        Failed,

        /// <summary>Refused for the key's rights or credentials: nothing was done.</summary>
        Refused,

        /// <summary>No answer within the bound (still under way, stalled, or the connection failed).</summary>
        Unanswered,
    }
}
