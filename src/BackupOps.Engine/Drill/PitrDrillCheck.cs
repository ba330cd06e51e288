using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using Npgsql;

namespace BackupOps.Engine.Drill;

/// <summary>
/// The drill's point-in-time check: recover a cluster to the latest archived WAL in a disposable server, validate it,
/// and measure the RPO as the time between the last commit the source has seen and the last one that came back.
/// </summary>
internal static class PitrDrillCheck
{
    public static async Task<(DrillCheck Restore, IReadOnlyList<DrillCheck> Targets, TimeSpan? RestoreTime)> RunAsync(DrillRequest request, DrillPitr pitr, S3StoreOptions s3, CancellationToken cancellationToken)
    {
        var name = $"pitr restore: {pitr.Cluster}";
        var clock = Stopwatch.StartNew();
        var source = request.PitrSources.GetValueOrDefault(pitr.Cluster)
            ?? (pitr.SourceUrlVariable is { } variable && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url ? PgConnectionSettings.Parse(url) : null);
        var config = request.Config;
        try
        {
            var (sourceLast, sourceWhat) = await LastCommitAsync(source, cancellationToken).ConfigureAwait(false);
            if (request.DryRun)
            {
                await using var store = StoreLocation.Open(pitr.Store, s3);
                var status = (await Wal.WalStatusEngine.GetAsync(store, [pitr.Cluster], TimeSpan.FromMinutes(config.Targets.RpoMinutes), null, null, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false))[0];
                return (new DrillCheck(name, "postgresql", status.NewestBaseBackup is not null, clock.Elapsed, $"newest base backup {status.NewestBaseBackup ?? "none"}, last segment {status.LastSegment ?? "none"}", status.NewestBaseBackup is null ? "no base backup" : null), [], null);
            }

            var result = await PitrRestoreEngine.RunAsync(
                new PitrRestoreRequest
                {
                    Cluster = pitr.Cluster,
                    Store = pitr.Store,
                    S3 = s3,
                    Latest = true,
                    Database = pitr.Database,
                    CriticalTables = pitr.CriticalTables,
                    SmokeQueries = [.. pitr.SmokeQueries.Select(SmokeQuery.Parse)],
                    IdentityFile = pitr.IdentityFile,
                    TempDirectory = request.TempDirectory,
                    FetchCommand = request.FetchCommand.Count > 0 ? request.FetchCommand : new PitrRestoreRequest { Cluster = pitr.Cluster, Latest = true }.FetchCommand,
                    Reporting = new Health.RunReporting { RecordRuns = false },
                },
                null,
                cancellationToken).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            var failed = result.Checks.Where(c => c.Outcome == CheckOutcome.Failed).ToList();
            var summary = $"{result.BaseBackupId} + {result.WalSegments} WAL segment(s) into a disposable server, recovered to {result.RecoveredToUtc:yyyy-MM-dd HH:mm:ss} UTC: " + string.Join("; ", result.Checks.Select(c => $"{c.Outcome} {c.Name}"));
            var restore = new DrillCheck(name, "postgresql", failed.Count == 0, elapsed, summary, failed.Count == 0 ? null : string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")));
            var rtoTarget = TimeSpan.FromMinutes(config.Targets.RtoMinutes);
            var rpoTarget = TimeSpan.FromMinutes(config.Targets.RpoMinutes);
            var rpo = result.RecoveredToUtc is { } back && sourceLast > back ? sourceLast - back : TimeSpan.Zero;
            var rpoDetail = result.RecoveredToUtc is null ? $"no transaction was recovered; {sourceWhat} {sourceLast:yyyy-MM-dd HH:mm:ss} UTC" : $"{sourceWhat} {sourceLast:yyyy-MM-dd HH:mm:ss.fff} UTC, recovered to {result.RecoveredToUtc:yyyy-MM-dd HH:mm:ss.fff} UTC: {Format(rpo)} lost (target {Format(rpoTarget)})";
            var targets = failed.Count > 0 ? new List<DrillCheck> { DrillRunner.SkippedTarget($"rto: pitr {pitr.Cluster}"), DrillRunner.SkippedTarget($"rpo: pitr {pitr.Cluster}") } : new List<DrillCheck>
            {
                new($"rto: pitr {pitr.Cluster}", "targets", elapsed <= rtoTarget, TimeSpan.Zero, $"recovered and validated in {Format(elapsed)} (target {Format(rtoTarget)})", elapsed <= rtoTarget ? null : $"took {Format(elapsed)}, over the {Format(rtoTarget)} RTO"),
                new($"rpo: pitr {pitr.Cluster}", "targets", rpo <= rpoTarget && result.RecoveredToUtc is not null, TimeSpan.Zero, rpoDetail, rpo <= rpoTarget && result.RecoveredToUtc is not null ? null : $"{Format(rpo)} of commits would be lost, over the {Format(rpoTarget)} RPO"),
            };
            return (restore, targets, elapsed);
        }
        catch (BackupOpsException ex)
        {
            return (new DrillCheck(name, "postgresql", false, clock.Elapsed, string.Empty, $"[{ex.ErrorId}] {ex.Message}"), [], null);
        }
    }

    // The source's last commit (needs track_commit_timestamp), else its clock, else ours: the RPO's reference point.
    private static async Task<(DateTimeOffset When, string What)> LastCommitAsync(PgConnectionSettings? source, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            return (DateTimeOffset.UtcNow, "drill started (no source connection; an upper bound)");
        }

        await using var connection = await PgConnector.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SELECT \"timestamp\" FROM pg_last_committed_xact()", connection);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime last)
            {
                return (new DateTimeOffset(last.ToUniversalTime(), TimeSpan.Zero), "the source's last commit");
            }
        }
        catch (PostgresException ex) when (ex.SqlState == "55000")
        {
            // track_commit_timestamp is off
        }

        await using var now = new NpgsqlCommand("SELECT now()", connection);
        return (new DateTimeOffset(((DateTime)(await now.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!).ToUniversalTime(), TimeSpan.Zero), "the source's clock (track_commit_timestamp is off; an upper bound)");
    }

    private static string Format(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min" : $"{span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
