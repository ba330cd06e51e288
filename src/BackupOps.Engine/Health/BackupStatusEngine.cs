using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Health;

/// <summary>
/// Backup freshness per source: the newest valid backup of every database and Redis source in a store, its age
/// against a maximum (the seed's alert: 26 hours), and the newest failed attempt from the run records.
/// </summary>
public static class BackupStatusEngine
{
    /// <summary>The seed's alert threshold.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);

    /// <summary>Statuses of every source in the store, plus <paramref name="expected"/> ones (<c>postgresql:app</c>, <c>redis:cache</c>) that may have nothing yet.</summary>
    public static async Task<IReadOnlyList<SourceStatus>> GetAsync(IBackupStore store, TimeSpan maxAge, IReadOnlyList<string> expected, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(expected);
        if (maxAge <= TimeSpan.Zero)
        {
            throw BackupOpsException.InvalidInput("MaxAgeInvalid", $"A maximum age of {maxAge} makes every backup stale. Use a positive age (the seed policy: 26 hours).");
        }

        var newest = new Dictionary<(string Kind, string Source), (string Id, DateTimeOffset Started, long Size, double? Duration)>();
        foreach (var b in (await BackupCatalog.ListAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter(LatestOnly: true), cancellationToken).ConfigureAwait(false)).Backups)
        {
            newest[(BackupKind.Postgres.Name, b.Database)] = (b.BackupId, b.Manifest.StartedUtc, b.Manifest.SizeBytes, b.Manifest.DurationSeconds);
        }

        foreach (var s in (await BackupCatalog.ListAsync<RedisSnapshotManifest>(store, BackupKind.Redis, new BackupCatalog.Filter(LatestOnly: true), cancellationToken).ConfigureAwait(false)).Backups)
        {
            newest[(BackupKind.Redis.Name, s.Database)] = (s.BackupId, s.Manifest.StartedUtc, s.Manifest.SizeBytes, s.Manifest.DurationSeconds);
        }

        var failures = await ReadFailuresAsync(store, cancellationToken).ConfigureAwait(false);
        var sources = newest.Keys.Concat(failures.Keys).Concat(expected.Select(ParseExpected)).Distinct().OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal);
        var result = new List<SourceStatus>();
        foreach (var key in sources)
        {
            var hasBackup = newest.TryGetValue(key, out var backup);
            var failed = failures.GetValueOrDefault(key);
            var lastFailure = failed?.Newest is { } f && (!hasBackup || f.StartedUtc > backup.Started) ? f : null;
            var age = hasBackup ? now - backup.Started : (TimeSpan?)null;
            var state = lastFailure is not null ? HealthState.Failing
                : !hasBackup ? HealthState.Missing
                : age > maxAge ? HealthState.Stale
                : HealthState.Healthy;
            result.Add(new SourceStatus(key.Item1, key.Item2, state, hasBackup ? backup.Id : null, hasBackup ? backup.Started : null, age, hasBackup ? backup.Size : null, hasBackup ? backup.Duration : null, lastFailure, failed?.Count ?? 0));
        }

        return result;
    }

    private static (string, string) ParseExpected(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? BackupKind.Postgres.Name : text[..colon].ToLowerInvariant() switch
        {
            "pg" or "postgres" or "postgresql" => BackupKind.Postgres.Name,
            "redis" => BackupKind.Redis.Name,
            var other => throw BackupOpsException.InvalidInput("ExpectedSourceInvalid", $"'{other}' in '{text}' is not a kind. Write postgresql:<database> or redis:<source>."),
        };
        return (kind, colon < 0 ? text : text[(colon + 1)..]);
    }

    private sealed record FailureSummary(RunRecord Newest, int Count);

    // Only backup/snapshot failures count against freshness; the newest is read whole, the rest only counted by key.
    private static async Task<Dictionary<(string, string), FailureSummary>> ReadFailuresAsync(IBackupStore store, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in store.ListAsync(RunTracker.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith("-backup-failure.json", StringComparison.Ordinal) || item.Key.EndsWith("-snapshot-failure.json", StringComparison.Ordinal))
            {
                keys.Add(item.Key);
            }
        }

        var result = new Dictionary<(string, string), FailureSummary>();
        foreach (var group in keys.GroupBy(k => k[..k.LastIndexOf('/')], StringComparer.Ordinal))
        {
            var newestKey = group.Max(StringComparer.Ordinal)!;
            var bytes = await store.TryGetSmallAsync(newestKey, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize<RunRecord>(bytes, RunRecordJson.Options)!;
                result[(record.Kind, record.Source)] = new FailureSummary(record, group.Count());
            }
            catch (JsonException)
            {
                // A damaged record says nothing reliable; the backups themselves still count.
            }
        }

        return result;
    }
}
