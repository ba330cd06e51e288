using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// The deadline for silence on one S3 request: its token is cancelled when no byte has moved for
/// <see cref="S3StoreOptions.StallTimeout"/>. Every byte the SDK takes from a request body and every byte read from a
/// response resets it, so a slow but moving transfer never trips it, while a stopped server (SIGSTOP, a dead
/// middlebox: the kernel still accepts the connection, nothing answers) fails the request after the deadline
/// instead of after the SDK's timeout times its retries. The SDK does not retry a cancelled request: retries are
/// for errors, not for silence.
/// </summary>
internal sealed class StallGuard : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _caller;
    private readonly TimeSpan _deadline;

    public StallGuard(TimeSpan deadline, CancellationToken caller)
    {
        _deadline = deadline;
        _caller = caller;
        _source = CancellationTokenSource.CreateLinkedTokenSource(caller);
        _source.CancelAfter(deadline);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the deadline, not the caller, cancelled the request.</summary>
    public bool Stalled => _source.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>Bytes moved: the silence starts again from now.</summary>
    public void Progress()
    {
        try
        {
            _source.CancelAfter(_deadline);
        }
        catch (ObjectDisposedException)
        {
            // The request is over; a late read of a retried body changes nothing.
        }
    }

    public void Dispose() => _source.Dispose();

    /// <summary>The error for a request that met the deadline.</summary>
    public static BackupOpsException StalledError(string endpoint, string bucket, string what, TimeSpan deadline) =>
        new(
            BackupOpsErrorKind.ConnectionFailed,
            "S3Stalled",
            $"The S3 endpoint {endpoint} acknowledged nothing for {deadline.TotalSeconds:0} s while trying to {what} in bucket '{bucket}'; the operation was stopped. Check the endpoint; the deadline is BACKUPOPS_STALL_TIMEOUT_SECONDS, or --stall-timeout-seconds for backupops.") { Target = bucket };
}

/// <summary>A request body that reports every read to a <see cref="StallGuard"/> (the SDK reads as the socket takes bytes).</summary>
internal sealed class GuardedBody(Stream inner, StallGuard guard) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        guard.Progress();
        return inner.Read(buffer, offset, count);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        guard.Progress();
        return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
