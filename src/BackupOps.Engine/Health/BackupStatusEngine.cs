using System.Globalization;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Leftovers;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Engine.Health;

/// <summary>
/// Backup health per source: the newest valid backup of every database and Redis source in a store, its age against a
/// maximum (the seed's alert: 26 hours), and what happened since: failed or cancelled runs, runs that never finished
/// (a started record whose heartbeat stopped), and a newest backup that a verification found damaged. Cheap on
/// purpose: nothing is re-hashed here; damage is known from the verification records a prune, restore or
/// <c>pg verify</c> left, and only those records that say "failed" are read.
/// </summary>
public static class BackupStatusEngine
{
    /// <summary>The seed's alert threshold.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);

    /// <summary>Default <see cref="StatusOptions.InterruptedAfter"/>: three missed heartbeats.</summary>
    public static readonly TimeSpan DefaultInterruptedAfter = RunTracker.HeartbeatInterval * 3;

    /// <summary>Statuses of every source in the store, plus <paramref name="expected"/> ones (<c>postgresql:app</c>, <c>redis:cache</c>) that may have nothing yet.</summary>
    public static async Task<IReadOnlyList<SourceStatus>> GetAsync(IBackupStore store, TimeSpan maxAge, IReadOnlyList<string> expected, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await GetReportAsync(store, new StatusOptions { MaxAge = maxAge, Expected = expected }, now, cancellationToken).ConfigureAwait(false)).Sources;

    /// <summary>The full report: per-source health and the leftovers a person should look at.</summary>
    public static async Task<StatusReport> GetReportAsync(IBackupStore store, StatusOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAge <= TimeSpan.Zero)
        {
            throw BackupOpsException.InvalidInput("MaxAgeInvalid", $"A maximum age of {options.MaxAge} makes every backup stale. Use a positive age (the seed policy: 26 hours).");
        }

        // Trusted keys first: a key file that cannot be used is bad input, refused before the store is read.
        var trusted = Signing.SigningKeys.LoadTrusted(options.TrustedKeyFiles);
        var leftovers = new List<string>();
        var newest = new Dictionary<(string Kind, string Source), Newest>();
        await CollectAsync<BackupManifest>(store, BackupKind.Postgres, trusted, newest, leftovers, now, cancellationToken).ConfigureAwait(false);
        await CollectAsync<RedisSnapshotManifest>(store, BackupKind.Redis, trusted, newest, leftovers, now, cancellationToken).ConfigureAwait(false);
        var (runs, ignored) = await ReadRunsAsync(store, options, trusted, now, leftovers, cancellationToken).ConfigureAwait(false);
        await AddServerAndTempLeftoversAsync(store, options, leftovers, cancellationToken).ConfigureAwait(false);

        var sources = newest.Keys.Concat(runs.Keys).Concat(options.Expected.Select(ParseExpected)).Distinct().OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal);
        var result = new List<SourceStatus>();
        foreach (var key in sources)
        {
            newest.TryGetValue(key, out var found);
            var valid = found?.Valid;
            var history = runs.GetValueOrDefault(key);

            // Everything that went wrong after the newest valid backup, newest first: damage, failures, interruptions.
            var problems = new List<RunRecord>();
            if (found?.Damaged is { } damaged)
            {
                problems.Add(damaged);
            }

            problems.AddRange(history?.Problems.Where(p => valid is null || p.StartedUtc > valid.Manifest.StartedUtc) ?? []);
            var lastProblem = problems.OrderByDescending(p => p.StartedUtc).FirstOrDefault();
            var age = valid is null ? (TimeSpan?)null : now - valid.Manifest.StartedUtc;
            var state = lastProblem is not null ? HealthState.Failing
                : valid is null ? HealthState.Missing
                : age > options.MaxAge ? HealthState.Stale
                : HealthState.Healthy;
            var reason = state switch
            {
                HealthState.Failing => string.Join("; ", problems.OrderByDescending(p => p.StartedUtc).Select(p => $"[{p.ErrorId}] {p.Error}")),
                HealthState.Missing => "no valid backup and no recorded attempt",
                HealthState.Stale => string.Create(CultureInfo.InvariantCulture, $"the newest valid backup is {age!.Value.TotalHours:0.0} h old (maximum {options.MaxAge.TotalHours:0.#} h)"),
                _ => null,
            };
            result.Add(new SourceStatus(
                key.Item1,
                key.Item2,
                state,
                valid?.BackupId,
                valid?.Manifest.StartedUtc,
                age,
                valid?.Manifest.SizeBytes,
                valid?.DurationSeconds,
                lastProblem,
                history?.Failures ?? 0) { Reason = reason });
        }

        return new StatusReport(result, leftovers) { SignaturesChecked = trusted is not null, UnsignedRunRecordsIgnored = ignored };
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
        var name = colon < 0 ? text : text[(colon + 1)..];
        // A bare name is a PostgreSQL database (the common case); an empty or blank one would be a "Missing" row nobody can fix.
        if (string.IsNullOrWhiteSpace(name))
        {
            throw BackupOpsException.InvalidInput("ExpectedSourceInvalid", $"'{text}' names no source. Write postgresql:<database> or redis:<source> (a bare name means postgresql:<name>).");
        }

        return (kind, name);
    }

    private sealed record Newest(ValidBackup? Valid, RunRecord? Damaged);

    /// <summary>The catalog view status needs of one backup.</summary>
    private sealed record ValidBackup(string BackupId, IBackupManifest Manifest, double? DurationSeconds);

    // Newest valid backup per source, skipping (and reporting) a newest one that a verification found damaged.
    private static async Task CollectAsync<TManifest>(IBackupStore store, BackupKind kind, Signing.TrustedKeys? trusted, Dictionary<(string, string), Newest> newest, List<string> leftovers, DateTimeOffset now, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        // Why the newest backup of a source does not count, as the failure record status reports for it.
        RunRecord Problem(CatalogEntry<TManifest> backup, string errorId, string error, DateTimeOffset completedUtc, string? host = null) => new()
        {
            Kind = kind.Name,
            Source = backup.Database,
            Operation = "verify",
            Outcome = RunRecord.FailureOutcome,
            StartedUtc = backup.Manifest.StartedUtc,
            CompletedUtc = completedUtc,
            BackupId = backup.BackupId,
            ErrorId = errorId,
            Error = error,
            Host = host ?? Environment.MachineName,
        };

        // With trusted keys a backup counts only when its manifest's signature verifies (checked once per manifest).
        var signatureProblems = new Dictionary<string, BackupOpsException?>(StringComparer.Ordinal);
        async Task<BackupOpsException?> SignatureProblemAsync(CatalogEntry<TManifest> backup)
        {
            if (trusted is null)
            {
                return null;
            }

            if (!signatureProblems.TryGetValue(backup.ManifestKey, out var problem))
            {
                try
                {
                    await Signing.ManifestSignatures.CheckAsync(store, backup, trusted, cancellationToken).ConfigureAwait(false);
                }
                catch (BackupOpsException ex) when (ex.ErrorId is Signing.ManifestSignatures.MissingErrorId or Signing.ManifestSignatures.UntrustedErrorId or Signing.ManifestSignatures.InvalidErrorId)
                {
                    problem = ex;
                }

                signatureProblems[backup.ManifestKey] = problem;
            }

            return problem;
        }

        // Manifests are read newest first per source only until one is not recorded damaged (issue #16: status in a
        // bounded number of requests); the loop below then sees the same newest backups the whole catalog would give.
        var records = await VerificationRecords.ListAsync(store, kind, null, cancellationToken).ConfigureAwait(false);
        var listing = await BackupCatalog.ListNewestAsync<TManifest>(
            store,
            kind,
            null,
            async backup => !SizeDiffers(backup) && !(records.TryGetValue((backup.Database, backup.BackupId), out var listed) && listed.Outcome == VerificationRecord.FailedOutcome
                && await VerificationRecords.ReadAsync(store, listed, cancellationToken).ConfigureAwait(false) is { } record && VerificationRecords.Describes(record, backup))
                && await SignatureProblemAsync(backup).ConfigureAwait(false) is null,
            cancellationToken).ConfigureAwait(false);
        foreach (var source in listing.Backups.GroupBy(b => b.Database, StringComparer.Ordinal))
        {
            RunRecord? damaged = null;
            CatalogEntry<TManifest>? valid = null;
            foreach (var backup in source.OrderByDescending(b => b.Manifest.StartedUtc).ThenByDescending(b => b.BackupId, StringComparer.Ordinal))
            {
                if (SizeDiffers(backup))
                {
                    // Visible in the listing itself, without reading a byte: no proof is needed to know it is not whole.
                    damaged ??= Problem(backup, "BackupDamaged", $"Backup {backup.BackupId} is damaged: its data object is {backup.DataObject!.Size} bytes, its manifest says {backup.Manifest.SizeBytes} (changed after the backup was committed).", now);
                    continue;
                }

                if (records.TryGetValue((backup.Database, backup.BackupId), out var listed) && listed.Outcome == VerificationRecord.FailedOutcome
                    && await VerificationRecords.ReadAsync(store, listed, cancellationToken).ConfigureAwait(false) is { } record && VerificationRecords.Describes(record, backup))
                {
                    // Only the newest damage matters for the state; older damaged backups are prune's to report.
                    damaged ??= Problem(backup, "BackupDamaged", $"{record.Detail} Found by {record.Method} at {record.VerifiedUtc:yyyy-MM-dd HH:mm} UTC on {record.Host}.", record.VerifiedUtc, record.Host);
                    continue;
                }

                if (await SignatureProblemAsync(backup).ConfigureAwait(false) is { } unsigned)
                {
                    // Not the host's backup as far as the trusted keys can tell (Found 6: a store writer's manifest).
                    damaged ??= Problem(backup, unsigned.ErrorId, StatusTextOf(unsigned), now);
                    continue;
                }

                valid = backup;
                break;
            }

            newest[(kind.Name, source.Key)] = new Newest(valid is null ? null : new ValidBackup(valid.BackupId, valid.Manifest, DurationOf(valid.Manifest)), damaged);
        }

        var grace = Retention.RetentionPolicy.DefaultLeftoverGrace;
        leftovers.AddRange(listing.Anomalies.Select(a => $"{kind.Name}: {a.Description} (prune leaves {string.Join(", ", a.Sources.Select(s => $"'{s}'"))} alone until it is resolved)"));
        leftovers.AddRange(listing.Leftovers.Where(l => l.LastModifiedUtc < now - grace).Select(l => $"{kind.Name}: {l.Key} is not a backup ({l.Reason}), {(now - l.LastModifiedUtc).TotalHours:0} h old: the next prune removes it"));
    }

    // The restore-side advice ("Nothing was restored; ...") does not fit status: what it means here instead.
    private static string StatusTextOf(BackupOpsException problem)
    {
        var cut = problem.Message.IndexOf(" Nothing was restored", StringComparison.Ordinal);
        return (cut < 0 ? problem.Message : problem.Message[..cut]) + " It does not count as a valid backup: a signed backup must follow, and find out who can write to the store.";
    }

    private static bool SizeDiffers<TManifest>(CatalogEntry<TManifest> backup)
        where TManifest : class, IBackupManifest =>
        backup.DataObject is { } data && data.Size != backup.Manifest.SizeBytes;

    private static double? DurationOf(IBackupManifest manifest) => manifest switch
    {
        BackupManifest pg => pg.DurationSeconds,
        RedisSnapshotManifest redis => redis.DurationSeconds,
        _ => null,
    };

    private sealed record RunHistory(List<RunRecord> Problems, int Failures);

    // Runs that count against freshness: backups and snapshots that failed, were cancelled or were killed.
    private static readonly string[] FailedOutcomes = [.. new[] { "backup", "snapshot" }.SelectMany(o => new[] { RunRecord.FailureOutcome, RunRecord.CancelledOutcome, RunRecord.InterruptedOutcome }.Select(outcome => $"-{o}-{outcome}.json"))];

    // One listing of runs/: failed and cancelled runs (the newest per source read whole, the others counted), and
    // started records, which are read: a started record whose heartbeat stopped is a run that was killed.
    // With trusted keys, the records that bear on health (failed, cancelled, interrupted and started backups and
    // snapshots, and the outcome that says a started one finished) count only with a valid signature; the others are
    // ignored and counted. Restore and prune records only ever name leftovers, and are read as before.
    private static async Task<(Dictionary<(string, string), RunHistory> Runs, int Ignored)> ReadRunsAsync(IBackupStore store, StatusOptions options, Signing.TrustedKeys? trusted, DateTimeOffset now, List<string> leftovers, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        var started = new List<string>();
        var finished = new Dictionary<string, string>(StringComparer.Ordinal);
        var signed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync(RunTracker.Prefix, cancellationToken).ConfigureAwait(false))
        {
            var key = item.Key;
            if (RunRecordSignatures.RecordOf(key) is { } signedRecord)
            {
                signed.Add(signedRecord);
                continue;
            }

            if (key.EndsWith("-started.json", StringComparison.Ordinal))
            {
                started.Add(key);
                continue;
            }

            if (RunTracker.RunIdOf(key) is { } runId)
            {
                finished[runId] = key;
            }

            if (FailedOutcomes.Any(o => key.EndsWith(o, StringComparison.Ordinal)))
            {
                failed.Add(key);
            }
        }

        var result = new Dictionary<(string, string), RunHistory>();
        RunHistory For(RunRecord r)
        {
            if (!result.TryGetValue((r.Kind, r.Source), out var history))
            {
                result[(r.Kind, r.Source)] = history = new RunHistory([], 0);
            }

            return history;
        }

        var ignored = 0;
        bool Unsigned(string key)
        {
            if (trusted is null || signed.Contains(key))
            {
                return false;
            }

            ignored++;
            return true;
        }

        async Task<RunRecord?> ReadAsync(string key, bool forHealth)
        {
            var read = await RunRecordSignatures.ReadAsync(store, key, forHealth ? trusted : null, cancellationToken).ConfigureAwait(false);
            ignored += read.Ignored ? 1 : 0;
            return read.Record;
        }

        foreach (var group in failed.GroupBy(k => k[..k.LastIndexOf('/')], StringComparer.Ordinal))
        {
            // Newest first, until one can be trusted (without trusted keys: the newest).
            var candidates = group.Where(k => !Unsigned(k)).OrderByDescending(k => k, StringComparer.Ordinal).ToList();
            var rejected = 0;
            foreach (var key in candidates)
            {
                if (await ReadAsync(key, forHealth: true).ConfigureAwait(false) is { } record)
                {
                    var history = For(record);
                    history.Problems.Add(record);
                    result[(record.Kind, record.Source)] = history with { Failures = candidates.Count - rejected };
                    break;
                }

                rejected++;
                if (trusted is null)
                {
                    break;
                }
            }
        }

        // A started record whose run has an outcome record finished (the store was slow to confirm the outcome, so
        // the started record was kept rather than risk losing both): not interrupted. With trusted keys, only a
        // signed outcome says so (a store writer's "success" must not hide a killed backup).
        foreach (var key in started)
        {
            var forHealth = key.EndsWith("-backup-started.json", StringComparison.Ordinal) || key.EndsWith("-snapshot-started.json", StringComparison.Ordinal);
            if (RunTracker.RunIdOf(key) is { } id && finished.TryGetValue(id, out var outcomeKey)
                && (trusted is null || !forHealth || (!Unsigned(outcomeKey) && await ReadAsync(outcomeKey, forHealth: true).ConfigureAwait(false) is not null)))
            {
                continue;
            }

            if ((forHealth && Unsigned(key)) || await ReadAsync(key, forHealth).ConfigureAwait(false) is not { } record || now - (record.HeartbeatUtc ?? record.StartedUtc) < options.InterruptedAfter)
            {
                continue; // still running (or not the host's record)
            }

            var where = record.Details is { } details && details.TryGetValue(LeftoverDatabases.ScratchDetail, out var scratch)
                ? $"; it may have left the database {scratch}{(details.TryGetValue(LeftoverDatabases.ReplacedDetail, out var replaced) ? $" or {replaced}" : string.Empty)} on {details.GetValueOrDefault("targetServer", "its server")}"
                : string.Empty;
            var text = string.Create(CultureInfo.InvariantCulture, $"the {record.Operation} of {record.Kind} '{record.Source}' started {record.StartedUtc:yyyy-MM-dd HH:mm} UTC on {record.Host} (pid {record.ProcessId}) never finished: its last sign of life was {(now - (record.HeartbeatUtc ?? record.StartedUtc)).TotalMinutes:0} min ago (killed, or the machine stopped){where}");
            if (record.Operation is "backup" or "snapshot")
            {
                For(record).Problems.Add(record with { Outcome = "interrupted", ErrorId = "RunInterrupted", Error = text });
            }
            else
            {
                leftovers.Add(text + (where.Length > 0 ? "; --leftovers for backupops pg list shows it, --database-url for backupops pg prune removes it" : string.Empty));
            }
        }

        return (result, ignored);
    }

    private static async Task AddServerAndTempLeftoversAsync(IBackupStore store, StatusOptions options, List<string> leftovers, CancellationToken cancellationToken)
    {
        if (options.Server is { } server)
        {
            var announced = await LeftoverDatabases.AnnouncedByRunsAsync(store, cancellationToken).ConfigureAwait(false);
            leftovers.AddRange((await LeftoverDatabases.ListAsync(server, null, announced, cancellationToken).ConfigureAwait(false)).Select(d => "database " + LeftoverDatabases.Describe(d)));
        }

        leftovers.AddRange(TempLeftovers.List(options.TempDirectory).Where(t => !t.OwnerRunning).Select(t => "temporary folder " + TempLeftovers.Describe(t)));
    }
}
