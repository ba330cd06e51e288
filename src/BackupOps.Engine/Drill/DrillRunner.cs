using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Health;
using BackupOps.Engine.Integrity;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Drill;

/// <summary>How to run a drill.</summary>
public sealed record DrillRequest
{
    /// <summary>The definition.</summary>
    public required DrillConfig Config { get; init; }

    /// <summary>S3 endpoint and credentials for every store and bucket; null reads AWS_* variables.</summary>
    public S3StoreOptions? S3 { get; init; }

    /// <summary>Only check credentials and reachability of every component.</summary>
    public bool DryRun { get; init; }

    /// <summary>An existing server to restore into instead of a disposable one.</summary>
    public Connection.PgConnectionSettings? TargetConnection { get; init; }

    /// <summary>Folder for disposable servers and downloads.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>How a recovered server runs <c>wal fetch</c> (the CLI sets itself); empty uses BACKUPOPS_CLI.</summary>
    public IReadOnlyList<string> FetchCommand { get; init; } = [];

    /// <summary>Source servers by cluster (the demo's); otherwise each entry's sourceUrlVariable.</summary>
    public IReadOnlyDictionary<string, Connection.PgConnectionSettings> PitrSources { get; init; } = new Dictionary<string, Connection.PgConnectionSettings>();

    /// <summary>
    /// Public key files whose signature every restored backup must carry (null: BACKUPOPS_TRUSTED_KEYS; neither: the
    /// restore checks report signatures without requiring them).
    /// </summary>
    public IReadOnlyList<string>? TrustedKeyFiles { get; init; }
}

/// <summary>
/// The monthly disaster-recovery drill of both seed documents, compiled: every database's latest backup restored
/// into a disposable PostgreSQL and validated, sampled objects hashed, lifecycle compared, the latest Redis
/// snapshot restored into a sandbox, RTO and RPO measured against the targets. Each check is independent: a
/// failure is recorded and the others still run.
/// </summary>
public static class DrillRunner
{
    /// <summary>Runs the drill.</summary>
    public static async Task<DrillReport> RunAsync(DrillRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = request.Config;
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        var started = DateTimeOffset.UtcNow;
        var checks = new List<DrillCheck>();
        var restoreTimes = new List<TimeSpan>();
        var quiet = new RunReporting { RecordRuns = false };
        void Report(string step) => progress?.Report(new OperationProgress($"Drill {config.Environment}", step, checks.Count, null, 0));

        foreach (var database in config.Databases)
        {
            Report($"database {database.Name}");
            if (request.DryRun)
            {
                checks.Add(await CheckAsync($"database reachable: {database.Name}", "postgresql", async () =>
                {
                    await using var store = StoreLocation.Open(database.Store, s3);
                    var latest = await BackupCatalog.FindLatestAsync<BackupManifest>(store, BackupKind.Postgres, database.Name, cancellationToken).ConfigureAwait(false);
                    return $"latest backup {latest.BackupId} in {store.Display}";
                }).ConfigureAwait(false));
                continue;
            }

            CatalogEntry<BackupManifest>? latestBackup = null;
            TimeSpan? restoreTime = null;
            checks.Add(await CheckAsync($"database restore: {database.Name}", "postgresql", async () =>
            {
                await using var store = StoreLocation.Open(database.Store, s3);
                latestBackup = await BackupCatalog.FindLatestAsync<BackupManifest>(store, BackupKind.Postgres, database.Name, cancellationToken).ConfigureAwait(false);
                var major = Tools.PgToolLocator.ParseMajor(latestBackup.Manifest.ServerVersion);
                await using var disposable = request.TargetConnection is null ? await DisposablePostgres.StartAsync(major, request.TempDirectory, cancellationToken).ConfigureAwait(false) : null;
                var clock = Stopwatch.StartNew();
                var result = await PgRestoreEngine.RunAsync(
                    new PgRestoreRequest
                    {
                        TargetServer = request.TargetConnection ?? disposable!.Connection,
                        Store = database.Store,
                        S3 = s3,
                        BackupId = latestBackup.BackupId,
                        SourceDatabase = database.Name,
                        TargetDatabase = database.Name + "_dr_test",
                        Force = request.TargetConnection is null,
                        IdentityFile = database.IdentityFile,
                        CriticalTables = database.CriticalTables,
                        SmokeQueries = [.. database.SmokeQueries.Select(SmokeQuery.Parse)],
                        TempDirectory = request.TempDirectory,
                        TrustedKeyFiles = request.TrustedKeyFiles,
                        Reporting = quiet,
                    },
                    null,
                    cancellationToken).ConfigureAwait(false);
                var elapsed = clock.Elapsed;
                var failed = result.Checks.Where(c => c.Outcome == CheckOutcome.Failed).ToList();
                var summary = $"{latestBackup.BackupId} into a disposable PostgreSQL {disposable?.MajorVersion.ToString(CultureInfo.InvariantCulture) ?? "(given server)"}: " + string.Join("; ", result.Checks.Select(c => $"{c.Outcome} {c.Name}"));
                if (failed.Count > 0)
                {
                    throw new DrillCheckFailed(string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")), summary);
                }

                // Only a restore that validated has a time to restore: a failed one measures nothing.
                restoreTime = elapsed;
                return summary;
            }).ConfigureAwait(false));

            if (restoreTime is null)
            {
                checks.Add(SkippedTarget($"rto: {database.Name}"));
                checks.Add(SkippedTarget($"rpo: {database.Name}"));
                continue;
            }

            if (restoreTime is { } rto)
            {
                restoreTimes.Add(rto);
                var target = TimeSpan.FromMinutes(config.Targets.RtoMinutes);
                checks.Add(new DrillCheck($"rto: {database.Name}", "targets", rto <= target, TimeSpan.Zero, $"restore to validated in {Minutes(rto)} (target {Minutes(target)})", rto <= target ? null : $"took {Minutes(rto)}, over the {Minutes(target)} RTO"));
            }

            if (latestBackup is not null)
            {
                var age = DateTimeOffset.UtcNow - latestBackup.Manifest.StartedUtc;
                var target = TimeSpan.FromMinutes(config.Targets.RpoMinutes);
                checks.Add(new DrillCheck($"rpo: {database.Name}", "targets", age <= target, TimeSpan.Zero, $"restored backup {latestBackup.BackupId} was {Minutes(age)} old (target {Minutes(target)})", age <= target ? null : $"the newest backup is {Minutes(age)} old, over the {Minutes(target)} RPO"));
            }
        }

        foreach (var objects in config.ObjectStores)
        {
            var options = objects.Provider is null ? s3 : s3 with { Provider = S3StoreOptions.ParseProvider(objects.Provider) };
            foreach (var prefix in objects.Prefixes)
            {
                Report($"objects {objects.Bucket}/{prefix}");
                checks.Add(await CheckAsync($"object integrity: {objects.Bucket}/{prefix}", "objects", async () =>
                {
                    var results = await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = objects.Bucket, Prefix = prefix, S3 = options, Mode = request.DryRun ? SampleMode.Newest : SampleMode.Random, Count = request.DryRun ? 1 : objects.SampleSize }, null, cancellationToken).ConfigureAwait(false);
                    var failed = results.Where(r => r.Outcome == ObjectCheckOutcome.Failed).ToList();
                    var summary = $"{results.Count} sampled: {results.Count(r => r.Outcome == ObjectCheckOutcome.Passed)} passed, {failed.Count} failed, {results.Count(r => r.Outcome == ObjectCheckOutcome.Unverified)} unverified";
                    if (results.Count == 0)
                    {
                        // An empty or mistyped prefix would otherwise pass on nothing.
                        throw new DrillCheckFailed($"no object was found under '{prefix}' in {objects.Bucket}: nothing was checked (an empty or mistyped prefix?)", summary);
                    }

                    // A dry run proves the objects are reachable and readable; whether they still hash right is the drill's question.
                    return failed.Count == 0 || request.DryRun ? summary : throw new DrillCheckFailed(string.Join("; ", failed.Select(f => $"{f.Key}: {f.Detail}")), summary);
                }).ConfigureAwait(false));
            }

            if (objects.LifecycleTemplate is not null)
            {
                Report($"lifecycle {objects.Bucket}");
                checks.Add(await CheckAsync($"lifecycle: {objects.Bucket}", "lifecycle", async () =>
                {
                    var drift = await LifecycleEngine.PlanAsync(new LifecycleRequest { Bucket = objects.Bucket, S3 = options, TemplatePath = objects.LifecycleTemplate }, cancellationToken).ConfigureAwait(false);
                    var summary = $"{drift.Rules.Count} BackupOps rule(s), {drift.ForeignRules.Count} other rule(s)";
                    return drift.InSync || request.DryRun ? summary : throw new DrillCheckFailed(string.Join("; ", drift.Changes.Select(c => c.Describe())), summary);
                }).ConfigureAwait(false));
            }
        }

        foreach (var redis in config.Redis)
        {
            Report($"redis {redis.Source}");
            checks.Add(await CheckAsync($"redis restore: {redis.Source}", "redis", async () =>
            {
                if (request.DryRun)
                {
                    await using var store = StoreLocation.Open(redis.Store, s3);
                    var latest = await BackupCatalog.FindLatestAsync<RedisSnapshotManifest>(store, BackupKind.Redis, redis.Source, cancellationToken).ConfigureAwait(false);
                    return $"latest snapshot {latest.BackupId} in {store.Display}";
                }

                var result = await RedisRestoreEngine.RunAsync(new RedisRestoreRequest { Store = redis.Store, S3 = s3, Latest = true, SourceName = redis.Source, ExpectKeys = redis.ExpectKeys, Queues = [.. redis.Queues.Select(QueueBound.Parse)], TempDirectory = request.TempDirectory, TrustedKeyFiles = request.TrustedKeyFiles, Reporting = quiet }, null, cancellationToken).ConfigureAwait(false);
                var failed = result.Checks.Where(c => c.Outcome == CheckOutcome.Failed).ToList();
                var summary = $"{result.SnapshotId} into a sandbox: " + string.Join("; ", result.Checks.Select(c => $"{c.Outcome} {c.Name}"));
                return failed.Count == 0 ? summary : throw new DrillCheckFailed(string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")), summary);
            }).ConfigureAwait(false));
        }

        foreach (var pitr in config.Pitr)
        {
            Report($"point-in-time recovery {pitr.Cluster}");
            var (restoreCheck, targets, restoreTime) = await PitrDrillCheck.RunAsync(request, pitr, s3, cancellationToken).ConfigureAwait(false);
            checks.Add(restoreCheck);
            checks.AddRange(targets);
            if (restoreTime is { } rto)
            {
                restoreTimes.Add(rto);
            }
        }

        return new DrillReport
        {
            Environment = config.Environment,
            Operator = System.Environment.UserName,
            StartedUtc = started,
            CompletedUtc = DateTimeOffset.UtcNow,
            DryRun = request.DryRun,
            TimeToRestore = restoreTimes.Count == 0 ? null : restoreTimes.Max(),
            Checks = checks,
        };
    }

    private static async Task<DrillCheck> CheckAsync(string name, string component, Func<Task<string>> check)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Awaited first: an argument list evaluates clock.Elapsed before the await would run the check.
            var details = await check().ConfigureAwait(false);
            return new DrillCheck(name, component, true, clock.Elapsed, details, null);
        }
        catch (DrillCheckFailed failed)
        {
            return new DrillCheck(name, component, false, clock.Elapsed, failed.Details, failed.Message);
        }
        catch (BackupOpsException ex)
        {
            return new DrillCheck(name, component, false, clock.Elapsed, string.Empty, $"[{ex.ErrorId}] {ex.Message}");
        }
    }

    /// <summary>
    /// An RTO or RPO check whose restore failed: it never passes (there is no restore to measure), and it says so
    /// rather than reporting a time or an age that proves nothing.
    /// </summary>
    internal static DrillCheck SkippedTarget(string name) =>
        new(name, "targets", false, TimeSpan.Zero, "Skipped: restore failed", "Skipped: restore failed (nothing to measure; see the restore check)");

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min" : $"{span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";

    private sealed class DrillCheckFailed(string reason, string details) : Exception(reason)
    {
        public string Details { get; } = details;
    }
}
