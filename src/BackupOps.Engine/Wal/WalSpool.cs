using System.Text.Json;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Wal;

/// <summary>
/// The local spool of asynchronous archiving (pgBackRest's archive-async): <c>wal push</c> only copies the file
/// into <c>queue/</c> (0600, fsynced, renamed into place) and returns, and a long-running worker uploads the queue.
/// When the worker keeps failing, or the queue passes its size limit, push fails: PostgreSQL then keeps the WAL and
/// retries, and pg_stat_archiver shows the failures. WAL is never dropped.
/// </summary>
public sealed class WalSpool
{
    /// <summary>How long the worker may fail before push reports it to PostgreSQL.</summary>
    public static readonly TimeSpan FailureGrace = TimeSpan.FromSeconds(60);

    private readonly WalPushOptions _options;

    /// <summary>Opens (and creates, 0700) the spool at <paramref name="directory"/>.</summary>
    public WalSpool(string directory, WalPushOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Root = Path.GetFullPath(directory);
        _options = options;
        PrivateFiles.CreateDirectory(Root);
        PrivateFiles.CreateDirectory(QueueDirectory);
    }

    /// <summary>The spool folder.</summary>
    public string Root { get; }

    /// <summary>Files waiting for upload.</summary>
    public string QueueDirectory => Path.Combine(Root, "queue");

    /// <summary>The worker's lock file: held while a worker runs.</summary>
    public string LockPath => Path.Combine(Root, "worker.lock");

    /// <summary>The worker's state (last success, last error).</summary>
    public string StatePath => Path.Combine(Root, "worker.json");

    /// <summary>Starts the worker; set by the front end (the worker is the same program in worker mode).</summary>
    public static Action<WalPushOptions>? WorkerLauncher { get; set; }

    /// <summary>Puts a file in the queue and makes sure a worker is running.</summary>
    public async Task<WalPushResult> EnqueueAsync(WalFileName name, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(bytes);
        if (name.Kind is WalFileKind.Segment or WalFileKind.Partial)
        {
            _ = WalSegmentHeader.Read(bytes, name);
        }

        var target = Path.Combine(QueueDirectory, name.Name);
        var outcome = "spooled";
        if (File.Exists(target))
        {
            var queued = await File.ReadAllBytesAsync(target, cancellationToken).ConfigureAwait(false);
            if (!queued.AsSpan().SequenceEqual(bytes))
            {
                throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "WalSpooledDifferently", $"{name.Name} is already in the spool {QueueDirectory} with other content. Nothing was overwritten; check whether two servers share the spool folder.") { Target = name.Name };
            }

            outcome = "already-spooled";
        }
        else
        {
            var queuedBytes = Queue().Sum(f => f.Length);
            if (queuedBytes + bytes.Length > _options.SpoolMaxBytes)
            {
                EnsureWorker();
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "WalSpoolFull", $"The spool {QueueDirectory} holds {queuedBytes >> 20} MiB, over its {_options.SpoolMaxBytes >> 20} MiB limit: the worker is not draining it{DescribeFailure(ReadState())}. PostgreSQL keeps the WAL and retries; fix the store, or raise --spool-max-mb.") { Target = name.Name };
            }

            await PrivateFiles.WriteDurablyAsync(target, bytes, cancellationToken).ConfigureAwait(false);
        }

        EnsureWorker();
        var state = ReadState();
        if (state is { LastErrorUtc: { } failedAt, FailingSinceUtc: { } since } && (state.LastSuccessUtc is null || failedAt > state.LastSuccessUtc) && DateTimeOffset.UtcNow - since > FailureGrace)
        {
            // Report persistent upload failures to PostgreSQL (pg_stat_archiver), as synchronous archiving would.
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "WalWorkerFailing", $"{name.Name} is spooled, but the upload worker has been failing since {since:yyyy-MM-dd HH:mm:ss} UTC: {state.LastError}. PostgreSQL will retry; fix the store.") { Target = name.Name };
        }

        return new WalPushResult(name.Name, outcome, null, bytes.Length, 0, new Dictionary<string, double>());
    }

    /// <summary>Files waiting in the queue, oldest WAL first.</summary>
    public IReadOnlyList<FileInfo> Queue() =>
        Directory.Exists(QueueDirectory)
            ? [.. new DirectoryInfo(QueueDirectory).EnumerateFiles().Where(f => WalFileName.TryParse(f.Name) is not null).OrderBy(f => f.Name, StringComparer.Ordinal)]
            : [];

    /// <summary>The worker's last recorded state, or null.</summary>
    public WalWorkerState? ReadState()
    {
        try
        {
            return File.Exists(StatePath) ? JsonSerializer.Deserialize(File.ReadAllBytes(StatePath), WalJsonContext.Default.WalWorkerState) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the worker's state atomically.</summary>
    public void WriteState(WalWorkerState state)
    {
        var temporary = StatePath + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(state, WalJsonContext.Default.WalWorkerState));
        PrivateFiles.Restrict(temporary);
        File.Move(temporary, StatePath, overwrite: true);
    }

    /// <summary>True when a worker holds the lock.</summary>
    public bool WorkerRunning()
    {
        try
        {
            using var probe = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private void EnsureWorker()
    {
        if (!WorkerRunning())
        {
            (WorkerLauncher ?? throw new InvalidOperationException("no worker launcher"))(_options);
        }
    }

    private static string DescribeFailure(WalWorkerState? state) =>
        state?.LastError is { } error ? $" (last error {state.LastErrorUtc:yyyy-MM-dd HH:mm:ss} UTC: {error})" : string.Empty;
}

/// <summary>What the async worker last did, kept in the spool for push and status.</summary>
public sealed record WalWorkerState
{
    /// <summary>Process id of the worker that wrote this.</summary>
    public int ProcessId { get; init; }

    /// <summary>When that worker started.</summary>
    public DateTimeOffset StartedUtc { get; init; }

    /// <summary>The newest successful upload.</summary>
    public DateTimeOffset? LastSuccessUtc { get; init; }

    /// <summary>The file it uploaded.</summary>
    public string? LastSuccessName { get; init; }

    /// <summary>The newest failure.</summary>
    public DateTimeOffset? LastErrorUtc { get; init; }

    /// <summary>Since when uploads have been failing without a success in between.</summary>
    public DateTimeOffset? FailingSinceUtc { get; init; }

    /// <summary>The newest failure's message.</summary>
    public string? LastError { get; init; }

    /// <summary>Files uploaded by this worker.</summary>
    public long Uploaded { get; init; }
}
