using System.Diagnostics;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Health;

/// <summary>What a run is about, for its record.</summary>
/// <param name="Store">Store spec the record goes to.</param>
/// <param name="S3">S3 options of that store.</param>
/// <param name="Kind"><c>postgresql</c> or <c>redis</c>.</param>
/// <param name="Source">Database or source name.</param>
/// <param name="Operation">backup, snapshot, restore, prune.</param>
/// <param name="Reporting">Environment label and webhook.</param>
/// <param name="OpenedStore">The store already open (its settings win over <paramref name="Store"/>/<paramref name="S3"/>).</param>
public sealed record RunContext(string? Store, S3StoreOptions? S3, string Kind, string Source, string Operation, RunReporting Reporting, IBackupStore? OpenedStore = null);

/// <summary>The part of a result a run record keeps.</summary>
/// <param name="Succeeded">False for a run that completed but failed its checks (a restore whose validation failed).</param>
/// <param name="SizeBytes">Bytes stored or read.</param>
/// <param name="BackupId">The backup concerned.</param>
/// <param name="Problem">Why it failed, when it did.</param>
public sealed record RunSummary(bool Succeeded, long? SizeBytes, string? BackupId, string? Problem = null);

/// <summary>
/// Runs an operation and leaves a run record in the store and a webhook notification, whatever the outcome.
/// Neither can change the operation's result: their own failures are swallowed (the record) or returned as a
/// warning (the notification), and the operation's exception is rethrown unchanged.
/// </summary>
public static class RunTracker
{
    /// <summary>Key prefix of run records.</summary>
    public const string Prefix = "runs/";

    /// <summary>Runs <paramref name="work"/> and records it.</summary>
    public static async Task<T> TrackAsync<T>(RunContext context, Func<Task<T>> work, Func<T, RunSummary> summarize)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(summarize);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        T result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var failure = ex as BackupOpsException;
            await RecordAsync(context, Record(context, started, clock, "failure", null, null, failure?.ErrorId ?? "UnexpectedError", failure?.Message ?? ex.GetType().Name)).ConfigureAwait(false);
            throw;
        }

        var summary = summarize(result);
        await RecordAsync(context, Record(context, started, clock, summary.Succeeded ? "success" : "failure", summary.SizeBytes, summary.BackupId, summary.Succeeded ? null : "ValidationFailed", summary.Problem)).ConfigureAwait(false);
        return result;
    }

    /// <summary>The key a record is stored under: sorted by time within its source's folder.</summary>
    public static string KeyOf(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"{Prefix}{record.Kind}/{BackupKeys.DatabaseSegment(record.Source)}/{BackupKeys.NewBackupId(record.StartedUtc)}-{record.Operation}-{record.Outcome}.json";
    }

    private static RunRecord Record(RunContext context, DateTimeOffset started, Stopwatch clock, string outcome, long? size, string? backupId, string? errorId, string? error) => new()
    {
        Kind = context.Kind,
        Source = context.Source,
        Operation = context.Operation,
        Outcome = outcome,
        StartedUtc = started,
        CompletedUtc = DateTimeOffset.UtcNow,
        DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        SizeBytes = size,
        BackupId = backupId,
        ErrorId = errorId,
        Error = error,
        Environment = context.Reporting.Environment,
    };

    private static async Task RecordAsync(RunContext context, RunRecord record)
    {
        if (context.Reporting.RecordRuns)
        {
            try
            {
                var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, RunRecordJson.Options);
                if (context.OpenedStore is { } opened)
                {
                    await opened.PutSmallAsync(KeyOf(record), json, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await using var store = StoreLocation.Open(context.Store, context.S3);
                    await store.PutSmallAsync(KeyOf(record), json, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is BackupOpsException or IOException or UnauthorizedAccessException)
            {
                context.Reporting.OnWarning?.Invoke($"the run record could not be written to the store ({(ex as BackupOpsException)?.ErrorId ?? ex.GetType().Name}); status will not show this {record.Operation}");
            }
        }

        if (await WebhookNotifier.NotifyAsync(context.Reporting, record).ConfigureAwait(false) is { } problem)
        {
            context.Reporting.OnWarning?.Invoke(problem);
        }
    }
}

/// <summary>JSON settings of run records.</summary>
internal static class RunRecordJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
