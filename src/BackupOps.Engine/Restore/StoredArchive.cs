using System.Diagnostics;
using BackupOps.Engine.Compression;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Restore;

/// <summary>
/// The pg_dump archive of a stored backup as one stream, read from the store in a single pass: the stored bytes are
/// hashed (SHA-256 and size) as they arrive, then decrypted by age and decompressed from zstd where the manifest says
/// so, all in the stream (nothing lands on disk). The consumer reads <see cref="Plain"/>; <see cref="FinishAsync"/>
/// then reads whatever the consumer left (a pg_restore that stopped early) so the hash always covers the whole object.
/// </summary>
internal sealed class StoredArchive : IAsyncDisposable
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);
    private readonly HashingReadStream _hashing;
    private readonly ChildProcess? _age;
    private readonly Task _feed;
    private readonly Stream _plain;
    private bool _readerClosed;

    private StoredArchive(HashingReadStream hashing, ChildProcess? age, Task feed, Stream plain)
    {
        _hashing = hashing;
        _age = age;
        _feed = feed;
        _plain = plain;
    }

    /// <summary>The plain archive: what pg_restore reads.</summary>
    public Stream Plain => _plain;

    public static async Task<StoredArchive> OpenAsync(IBackupStore store, BackupManifest manifest, string? identityFile, SecretRedactor redactor, Action<long, double>? report, CancellationToken cancellationToken)
    {
        var raw = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
        var hashing = new HashingReadStream(raw, Throttle(report));
        if (manifest.Encryption is null)
        {
            return new StoredArchive(hashing, null, Task.CompletedTask, manifest.IsZstd ? ZstdStreams.Decompressing(hashing) : hashing);
        }

        ChildProcess age;
        try
        {
            age = ProcessRunner.Start(AgeTool.Find(), AgeTool.DecryptArguments(identityFile!), null, redactor, redirectInput: true);
        }
        catch
        {
            await hashing.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var feed = FeedAsync(hashing, age.Input, cancellationToken);
        var decoded = manifest.IsZstd ? ZstdStreams.Decompressing(age.Output) : age.Output;
        var plain = new PassThrough(decoded, decoded, age.Output);
        return new StoredArchive(hashing, age, feed, plain);
    }

    /// <summary>Copies <see cref="Plain"/> to its end through <paramref name="sink"/>.</summary>
    public async Task CopyToAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
    {
        var buffer = new byte[Progress.HashingCopier.BufferSize];
        try
        {
            int read;
            while ((read = await _plain.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await sink(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ZstdStreams.IsDecodeError(ex))
        {
            throw DecodeFailed(ex);
        }
    }

    /// <summary>
    /// Once the consumer is done with <see cref="Plain"/>, however it ended: reads what is left of the stored bytes and
    /// returns their SHA-256 and size, for the caller to judge against the manifest before anything else.
    /// </summary>
    public async Task<(string Sha256, long Size)> FinishAsync(CancellationToken cancellationToken)
    {
        await CloseReaderAsync().ConfigureAwait(false);
        await _feed.ConfigureAwait(false);
        var sha256 = await _hashing.FinishAsync(cancellationToken).ConfigureAwait(false);
        return (sha256, _hashing.BytesRead);
    }

    /// <summary>After <see cref="FinishAsync"/> and the hash check: age's own verdict on an encrypted backup.</summary>
    public Task WaitForDecryptionAsync(CancellationToken cancellationToken) =>
        _age?.WaitForSuccessAsync("AgeDecryptFailed", "Decrypting the backup (check the identity file)", cancellationToken) ?? Task.CompletedTask;

    /// <summary>Stops decryption early (a mismatched hash: age's complaint about the damage would hide the real finding).</summary>
    public void StopDecryption() => _age?.Kill();

    public async ValueTask DisposeAsync()
    {
        await CloseReaderAsync().ConfigureAwait(false);
        if (_age is not null)
        {
            _age.Kill();
            try
            {
                await _feed.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or BackupOpsException)
            {
                // Already reported by whoever awaited the hash.
            }

            await _age.DisposeAsync().ConfigureAwait(false);
        }

        await _hashing.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CloseReaderAsync()
    {
        if (_readerClosed)
        {
            return;
        }

        _readerClosed = true;
        if (!ReferenceEquals(_plain, _hashing))
        {
            try
            {
                // For an encrypted backup this closes age's stdout, so an age still writing stops instead of blocking.
                await _plain.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ZstdStreams.IsDecodeError(ex))
            {
                // A reader left half-way; the hash decides what that means.
            }
        }
    }

    // Stored bytes → age's stdin, then whatever age did not take, so the hash covers the whole object.
    private static async Task FeedAsync(HashingReadStream hashing, Stream stdin, CancellationToken cancellationToken)
    {
        var buffer = new byte[Progress.HashingCopier.BufferSize];
        var readerGone = false;
        try
        {
            int read;
            while ((read = await hashing.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (readerGone)
                {
                    continue;
                }

                try
                {
                    await stdin.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    readerGone = true;
                }
            }
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // age already left.
            }
        }
    }

    private static BackupOpsException DecodeFailed(Exception ex) =>
        new(BackupOpsErrorKind.IntegrityFailed, "BackupDecodeFailed", $"The backup's zstd stream does not decode ({ex.Message}). Nothing was restored; restore an older backup.", ex);

    private static Action<long>? Throttle(Action<long, double>? report)
    {
        if (report is null)
        {
            return null;
        }

        var clock = Stopwatch.StartNew();
        var last = -ReportInterval;
        return done =>
        {
            if (clock.Elapsed - last >= ReportInterval)
            {
                last = clock.Elapsed;
                report(done, done / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
            }
        };
    }

    /// <summary>
    /// Reads through to another stream. Disposing it closes <paramref name="owned"/> (the decompressor and age's stdout
    /// under it), or nothing: a pump's dispose must not close the stored bytes <see cref="FinishAsync"/> still drains.
    /// </summary>
    private sealed class PassThrough(Stream inner, params Stream[] owned) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

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
                foreach (var stream in owned)
                {
                    stream.Dispose();
                }
            }

            base.Dispose(disposing);
        }
    }
}
