using System.Diagnostics;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Health;

/// <summary>What a run is about, for its record.</summary>
/// <param name="Store">Store spec the record goes to.</param>
/// <param name="S3">S3 options of that store.</param>
/// <param name="Kind"><c>postgresql</c> or <c>redis</c>.</param>
/// <param name="Source">Database or source name.</param>
/// <param name="Operation">backup, snapshot, restore, prune.</param>
/// <param name="Reporting">Environment label and webhook.</param>
/// <param name="OpenedStore">The store already open (its settings win over <paramref name="Store"/>/<paramref name="S3"/>).</param>
public sealed record RunContext(string? Store, S3StoreOptions? S3, string Kind, string Source, string Operation, RunReporting Reporting, IBackupStore? OpenedStore = null)
{
    /// <summary>
    /// The backup's signing key file (null: BACKUPOPS_SIGNING_KEY, as for the manifest): when there is one, every run
    /// record gets a <c>.sig</c> beside it, written before the record, so status can tell the host's records from a store writer's.
    /// </summary>
    public string? SigningKeyFile { get; init; }

    /// <summary>True for runs that may sign their records (backups and snapshots: the only runs that hold a signing key).</summary>
    public bool SignsRecords { get; init; }
}

/// <summary>The part of a result a run record keeps.</summary>
/// <param name="Succeeded">False for a run that completed but failed its checks (a restore whose validation failed).</param>
/// <param name="SizeBytes">Bytes stored or read.</param>
/// <param name="BackupId">The backup concerned.</param>
/// <param name="Problem">Why it failed, when it did.</param>
public sealed record RunSummary(bool Succeeded, long? SizeBytes, string? BackupId, string? Problem = null);

/// <summary>
/// Runs an operation and leaves records of it in the store, whatever the outcome: a <c>started</c> record first
/// (its heartbeat refreshed every few minutes), then the outcome (success, failure or cancelled) and the started
/// record removed. A run killed outright leaves its started record with a stale heartbeat, which status reports
/// as interrupted. Records and the webhook can never change the operation's result: their own failures become
/// warnings, each store request on the way is bounded, and the operation's exception is rethrown unchanged.
/// </summary>
public static class RunTracker
{
    /// <summary>Key prefix of run records.</summary>
    public const string Prefix = "runs/";

    /// <summary>How often a running operation refreshes its started record.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMinutes(5);

    private static readonly AsyncLocal<RunHandle?> CurrentRun = new();

    /// <summary>The run the calling code is part of, for details worth recording (a restore's scratch database).</summary>
    public static RunHandle? Current => CurrentRun.Value;

    /// <summary>Runs <paramref name="work"/> and records it.</summary>
    public static async Task<T> TrackAsync<T>(RunContext context, Func<Task<T>> work, Func<T, RunSummary> summarize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(summarize);

        // Opened first: a store spec that cannot work is bad input, refused before anything runs or is recorded.
        var ownedStore = context.Reporting.RecordRuns && context.OpenedStore is null ? StoreLocation.Open(context.Store, context.S3) : null;
        var store = context.OpenedStore ?? ownedStore;

        // The same key and signer as the manifest's; a key that cannot be used is bad input, refused before any record.
        using var signer = context.SignsRecords && context.Reporting.RecordRuns && store is not null ? Signing.SigningKeys.LoadSigner(context.SigningKeyFile) : null;
        await using var handle = new RunHandle(context, store, signer);
        var previous = CurrentRun.Value;
        CurrentRun.Value = handle;
        try
        {
            // The started record is written while the work begins (connecting to the database, reading its schema):
            // the S3 client's first request and the database driver's first connection each cost 0.1-0.2 s of a
            // cold process, mostly JIT, and on a second core they overlap. The outcome and any annotation wait for
            // it (RunHandle), so the records stay in order.
            handle.BeginStart();
            T result;
            try
            {
                result = await work().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || cancellationToken.IsCancellationRequested)
            {
                // A signal or Ctrl+C, however the work noticed it (a child killed by the same signal fails first).
                await handle.FinishAsync(RunRecord.CancelledOutcome, null, null, "Cancelled", $"cancelled before it finished{LeftBehindOf(ex)}").ConfigureAwait(false);
                throw;
            }
            catch (Exception ex)
            {
                var failure = ex as BackupOpsException;
                await handle.FinishAsync(RunRecord.FailureOutcome, null, null, failure?.ErrorId ?? "UnexpectedError", failure?.Message ?? FirstLine(ex)).ConfigureAwait(false);
                throw;
            }

            var summary = summarize(result);
            await handle.FinishAsync(summary.Succeeded ? RunRecord.SuccessOutcome : RunRecord.FailureOutcome, summary.SizeBytes, summary.BackupId, summary.Succeeded ? null : "ValidationFailed", summary.Problem).ConfigureAwait(false);
            return result;
        }
        finally
        {
            CurrentRun.Value = previous;
            if (ownedStore is not null)
            {
                await ownedStore.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Turns started records whose heartbeat stopped more than <paramref name="olderThan"/> ago into <c>interrupted</c>
    /// outcome records (what status would conclude anyway), so status does not read them again on every check.
    /// </summary>
    public static async Task<int> SettleInterruptedAsync(IBackupStore store, string kind, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = DateTimeOffset.UtcNow;
        var started = new List<string>();
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var signed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync($"{Prefix}{kind}/", cancellationToken).ConfigureAwait(false))
        {
            if (RunRecordSignatures.RecordOf(item.Key) is { } signedRecord)
            {
                signed.Add(signedRecord);
            }
            else if (item.Key.EndsWith($"-{RunRecord.StartedOutcome}.json", StringComparison.Ordinal))
            {
                started.Add(item.Key);
            }
            else if (RunIdOf(item.Key) is { } runId)
            {
                finished.Add(runId);
            }
        }

        var settled = 0;
        foreach (var key in started)
        {
            if (RunIdOf(key) is { } id && finished.Contains(id))
            {
                // The run did finish; only the removal of its started record was lost.
                await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                if (signed.Contains(key))
                {
                    await store.DeleteAsync(RunRecordSignatures.KeyOf(key), cancellationToken).ConfigureAwait(false);
                }

                settled++;
                continue;
            }

            if (signed.Contains(key))
            {
                // A signed started record stays as it is: prune holds no signing key, and an unsigned "interrupted"
                // record in its place would be ignored by a status that checks signatures (status reads the stale
                // started record and concludes "interrupted" itself).
                continue;
            }

            var bytes = await store.TryGetSmallAsync(key, cancellationToken).ConfigureAwait(false);
            RunRecord? record;
            try
            {
                record = bytes is null ? null : System.Text.Json.JsonSerializer.Deserialize(bytes, RunRecordJson.Options.Info<RunRecord>());
            }
            catch (System.Text.Json.JsonException)
            {
                record = null;
            }

            if (record?.RunId is null || now - (record.HeartbeatUtc ?? record.StartedUtc) < olderThan)
            {
                continue;
            }

            var interrupted = record with
            {
                Outcome = RunRecord.InterruptedOutcome,
                ErrorId = "RunInterrupted",
                Error = $"started {record.StartedUtc:yyyy-MM-dd HH:mm} UTC on {record.Host} (pid {record.ProcessId}) and never finished (last sign of life {record.HeartbeatUtc ?? record.StartedUtc:yyyy-MM-dd HH:mm} UTC)",
                HeartbeatUtc = null,
            };
            await store.ReplaceSmallAsync(KeyOf(interrupted), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(interrupted, RunRecordJson.Options.Info<RunRecord>()), cancellationToken).ConfigureAwait(false);
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            settled++;
        }

        return settled;
    }

    /// <summary>The run id a record's key starts with, or null for a key that is not a run record.</summary>
    public static string? RunIdOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = key[(key.LastIndexOf('/') + 1)..];
        return name.Length > 27 && BackupKeys.BackupIdOf(name[..26]) is { } id && name[26] == '-' ? id : null;
    }

    /// <summary>The key a record is stored under: sorted by time within its source's folder.</summary>
    public static string KeyOf(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"{Prefix}{record.Kind}/{BackupKeys.DatabaseSegment(record.Source)}/{record.RunId ?? BackupKeys.NewBackupId(record.StartedUtc)}-{record.Operation}-{record.Outcome}.json";
    }

    private static string LeftBehindOf(Exception ex) =>
        ex is BackupOpsException { Message: var m } && m.Contains("Left behind:", StringComparison.Ordinal) ? "; " + m[m.IndexOf("Left behind:", StringComparison.Ordinal)..] : string.Empty;

    private static string FirstLine(Exception ex) => $"{ex.GetType().Name}: {ex.Message.Split('\n')[0].Trim()}";

    /// <summary>One run in progress: its started record, heartbeat and details.</summary>
    public sealed class RunHandle : IAsyncDisposable
    {
        private readonly RunContext _context;
        private readonly IBackupStore? _store;
        private readonly Signing.ManifestSigner? _signer;
        private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly string _runId;
        private readonly Dictionary<string, string> _details = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _writes = new(1, 1);
        private Timer? _heartbeat;
        private Task _starting = Task.CompletedTask;
        private bool _startedWritten;

        internal RunHandle(RunContext context, IBackupStore? store, Signing.ManifestSigner? signer)
        {
            _context = context;
            _store = store;
            _signer = signer;
            _runId = BackupKeys.NewBackupId(_started);
        }

        /// <summary>Records a detail (what a kill would leave, such as a scratch database) in the started record now.</summary>
        public async Task AnnotateAsync(string name, string value)
        {
            await _starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_details)
            {
                _details[name] = value;
            }

            await WriteStartedAsync().ConfigureAwait(false);
        }

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            if (_heartbeat is not null)
            {
                await _heartbeat.DisposeAsync().ConfigureAwait(false);
            }

            _writes.Dispose();
        }

        /// <summary>Writes the started record on a pool thread; <see cref="AnnotateAsync"/> and the outcome wait for it.</summary>
        internal void BeginStart() => _starting = Task.Run(StartAsync);

        private async Task StartAsync()
        {
            await WriteStartedAsync().ConfigureAwait(false);
            _heartbeat = new Timer(_ => _ = WriteStartedAsync(), null, HeartbeatInterval, HeartbeatInterval);
        }

        internal async Task FinishAsync(string outcome, long? size, string? backupId, string? errorId, string? error)
        {
            // A started record landing after the outcome would be left behind as a run that never finished; its own
            // failures were warnings already.
            await _starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_heartbeat is not null)
            {
                await _heartbeat.DisposeAsync().ConfigureAwait(false);
                _heartbeat = null;
            }

            var record = Record(outcome) with { SizeBytes = size, BackupId = backupId, ErrorId = errorId, Error = error };
            if (_store is not null && _context.Reporting.RecordRuns)
            {
                await _writes.WaitAsync().ConfigureAwait(false);
                try
                {
                    var written = await PutAsync(record, replace: false).ConfigureAwait(false);

                    // The started record goes only once the outcome is safely stored: if the store fails now, the run
                    // still shows (as interrupted) rather than vanish.
                    if (written && _startedWritten)
                    {
                        var startedKey = KeyOf(Record(RunRecord.StartedOutcome));
                        if (await BoundedAsync(token => _store.DeleteAsync(startedKey, token), "remove the started record").ConfigureAwait(false) && _signer is not null)
                        {
                            await BoundedAsync(token => _store.DeleteAsync(RunRecordSignatures.KeyOf(startedKey), token), "remove the started record's signature").ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    _writes.Release();
                }
            }

            if (await WebhookNotifier.NotifyAsync(_context.Reporting, record).ConfigureAwait(false) is { } problem)
            {
                _context.Reporting.OnWarning?.Invoke(problem);
            }
        }

        private RunRecord Record(string outcome)
        {
            Dictionary<string, string>? details;
            lock (_details)
            {
                details = _details.Count == 0 ? null : new Dictionary<string, string>(_details, StringComparer.Ordinal);
            }

            return new RunRecord
            {
                Kind = _context.Kind,
                Source = _context.Source,
                Operation = _context.Operation,
                Outcome = outcome,
                RunId = _runId,
                StartedUtc = _started,
                CompletedUtc = DateTimeOffset.UtcNow,
                DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
                Environment = _context.Reporting.Environment,
                ProcessId = Environment.ProcessId,
                HeartbeatUtc = outcome == RunRecord.StartedOutcome ? DateTimeOffset.UtcNow : null,
                Details = details,
            };
        }

        private async Task WriteStartedAsync()
        {
            if (_store is null || !_context.Reporting.RecordRuns)
            {
                return;
            }

            try
            {
                if (!await _writes.WaitAsync(0).ConfigureAwait(false))
                {
                    return; // a heartbeat while another write is under way is simply skipped
                }

                try
                {
                    _startedWritten |= await PutAsync(Record(RunRecord.StartedOutcome), replace: true).ConfigureAwait(false);
                }
                finally
                {
                    _writes.Release();
                }
            }
            catch (ObjectDisposedException)
            {
                // A heartbeat that fired as the run ended: nothing to refresh any more.
            }
        }

        private async Task<bool> PutAsync(RunRecord record, bool replace)
        {
            var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, RunRecordJson.Options.Info<RunRecord>());
            var key = KeyOf(record);
            var signature = _signer?.Sign(json);
            return await BoundedAsync(
                async token =>
                {
                    // The signature first (replaced: a heartbeat re-signs), as for manifests: a record never stands
                    // without its signature; a signature whose record was not written is ignored.
                    if (signature is not null)
                    {
                        await _store!.ReplaceSmallAsync(RunRecordSignatures.KeyOf(key), signature, token).ConfigureAwait(false);
                    }

                    await (replace ? _store!.ReplaceSmallAsync(key, json, token) : _store!.PutSmallAsync(key, json, token)).ConfigureAwait(false);
                },
                record.Outcome == RunRecord.StartedOutcome ? "write the started record" : $"write the {record.Outcome} record").ConfigureAwait(false);
        }

        // Each record request is bounded (a stalled or dead store must not hold the operation's own result hostage).
        private async Task<bool> BoundedAsync(Func<CancellationToken, Task> request, string what)
        {
            var limit = _context.S3?.CleanupTimeout ?? TimeSpan.FromSeconds(10);
            using var deadline = new CancellationTokenSource(limit);
            try
            {
                await request(deadline.Token).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (ex is BackupOpsException or IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                _context.Reporting.OnWarning?.Invoke($"could not {what} of this {_context.Operation} in the store ({(ex as BackupOpsException)?.ErrorId ?? (ex is OperationCanceledException ? $"no answer within {limit.TotalSeconds:0} s" : ex.GetType().Name)}); status may not show it");
                return false;
            }
        }
    }
}

/// <summary>JSON settings of run records.</summary>
internal static class RunRecordJson
{
    /// <summary>camelCase, indented, nulls left out.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Options = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    });
}
