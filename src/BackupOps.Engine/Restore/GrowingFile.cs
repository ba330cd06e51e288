namespace BackupOps.Engine.Restore;

/// <summary>
/// A file that one producer (a download) appends to while readers follow behind it: a reader at the current
/// end waits for more bytes instead of seeing end-of-file, and sees end-of-file only once the producer has
/// completed. The file is the buffer, so a slow reader never holds the download back and memory stays flat.
/// A failed producer makes every waiting reader fail with the same error.
/// </summary>
internal sealed class GrowingFile : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly FileStream _writer;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _length;
    private bool _completed;
    private Exception? _failure;

    public GrowingFile(string path)
    {
        // Unbuffered: every write reaches the file before readers are told about it. 0600, and on Linux nameless from
        // the start (readers and pg_restore reach it through /proc): a restore's plaintext never outlives the process,
        // even one killed with SIGKILL.
        _writer = Wal.PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        FilePath = Wal.PrivateFiles.Unlink(_writer, path);
    }

    /// <summary>A path that opens the file (on Linux a <c>/proc/&lt;pid&gt;/fd</c> link: the file has no name).</summary>
    public string FilePath { get; }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Signal(() => _length += data.Length);
    }

    /// <summary>All bytes are written: readers reaching the end now see end-of-file.</summary>
    public async Task CompleteAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        Signal(() => _completed = true);
    }

    /// <summary>The producer failed: readers fail with <paramref name="failure"/> instead of waiting forever.</summary>
    public void Fail(Exception failure) => Signal(() => _failure ??= failure);

    /// <summary>A new reader from the first byte.</summary>
    public Stream OpenReader() => new Reader(this, new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous));

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private void Signal(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    private (long Length, bool Completed, Task Changed) Snapshot()
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new IOException($"The download feeding {FilePath} failed: {_failure.Message}", _failure);
            }

            return (_length, _completed, _changed.Task);
        }
    }

    private sealed class Reader(GrowingFile owner, FileStream file) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var (length, completed, changed) = owner.Snapshot();
                var available = length - _position;
                if (available > 0)
                {
                    var read = await file.ReadAsync(buffer[..(int)Math.Min(available, buffer.Length)], cancellationToken).ConfigureAwait(false);
                    _position += read;
                    return read;
                }

                if (completed)
                {
                    return 0;
                }

                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

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
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
