using System.Globalization;
using System.Text;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Health;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;
using Npgsql;

namespace BackupOps.Engine.Wal;

/// <summary>The health of one cluster's continuous archiving: the RPO right now and what could be recovered.</summary>
public sealed record WalArchiveStatus
{
    /// <summary>The cluster.</summary>
    public required string Cluster { get; init; }

    /// <summary>Healthy: the newest segment is younger than the maximum age and nothing is failing; Stale; Failing; Missing (nothing archived).</summary>
    public required HealthState State { get; init; }

    /// <summary>The newest archived segment.</summary>
    public string? LastSegment { get; init; }

    /// <summary>When it reached the store.</summary>
    public DateTimeOffset? LastArchivedUtc { get; init; }

    /// <summary>Its age: the data that would be lost if the server died now is at most this old (plus the open segment).</summary>
    public TimeSpan? Rpo { get; init; }

    /// <summary>The newest base backup.</summary>
    public string? NewestBaseBackup { get; init; }

    /// <summary>The recoverable window's start (end of the oldest base backup whose WAL is whole), from the listing.</summary>
    public DateTimeOffset? RecoverableFromUtc { get; init; }

    /// <summary>The recoverable window's end (the newest segment before any gap).</summary>
    public DateTimeOffset? RecoverableToUtc { get; init; }

    /// <summary>Missing segments in the window (names or ranges).</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];

    /// <summary>pg_stat_archiver.failed_count, when a connection was given.</summary>
    public long? ArchiverFailures { get; init; }

    /// <summary>pg_stat_archiver.last_failed_wal, when it is newer than the last success.</summary>
    public string? ArchiverFailingWal { get; init; }

    /// <summary>Files waiting in the async spool, when a spool was given.</summary>
    public int? SpoolFiles { get; init; }

    /// <summary>Age of the oldest spooled file.</summary>
    public TimeSpan? SpoolOldest { get; init; }

    /// <summary>The async worker's last error, when it is failing.</summary>
    public string? WorkerError { get; init; }

    /// <summary>Why the state is not Healthy.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>Reads archive status: from the store, optionally pg_stat_archiver and the local spool.</summary>
public static class WalStatusEngine
{
    /// <summary>The seed's RPO: a newest segment older than this is Stale.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMinutes(15);

    /// <summary>Every cluster with an archive in the store (or just <paramref name="clusters"/>).</summary>
    public static async Task<IReadOnlyList<WalArchiveStatus>> GetAsync(IBackupStore store, IReadOnlyList<string> clusters, TimeSpan maxAge, PgConnectionSettings? server, string? spoolDirectory, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clusters);
        var names = clusters.Count > 0 ? clusters.ToList() : await DiscoverAsync(store, cancellationToken).ConfigureAwait(false);
        var result = new List<WalArchiveStatus>();
        foreach (var cluster in names)
        {
            result.Add(await GetOneAsync(store, cluster, maxAge, names.Count == 1 ? server : null, names.Count == 1 ? spoolDirectory : null, now, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    private static async Task<List<string>> DiscoverAsync(IBackupStore store, CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync(WalArchiveKeys.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith("/archive.json", StringComparison.Ordinal) && item.Key.Split('/') is { Length: 3 } parts)
            {
                names.Add(Uri.UnescapeDataString(parts[1]));
            }
        }

        return [.. names];
    }

    private static async Task<WalArchiveStatus> GetOneAsync(IBackupStore store, string cluster, TimeSpan maxAge, PgConnectionSettings? server, string? spoolDirectory, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var archive = new WalArchive(store, cluster);
        if (await archive.ReadIdentityAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return new WalArchiveStatus { Cluster = cluster, State = HealthState.Missing, Problems = [$"nothing archived for '{cluster}'"] };
        }

        var chain = await WalChain.LoadAsync(archive, null, cancellationToken).ConfigureAwait(false);
        var last = chain.Entries.Where(e => e.Name.Kind is WalFileKind.Segment or WalFileKind.Partial).MaxBy(e => e.ArchivedUtc);
        var rpo = last is null ? (TimeSpan?)null : now - last.ArchivedUtc;
        var backups = (await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, new BackupCatalog.Filter(cluster), cancellationToken).ConfigureAwait(false)).Backups;
        DateTimeOffset? from = null, to = null;
        IReadOnlyList<string> gaps = [];
        if (backups.Count > 0)
        {
            var oldest = backups.MinBy(b => b.Manifest.StopTimeUtc)!.Manifest;
            var walk = chain.Walk(oldest.Timeline, WalFileName.ParseLsn(oldest.StartLsn), oldest.StopWalSegment, null);
            gaps = walk.Missing.Count == 0 ? [] : [.. WalChainWalk.DescribeGaps(walk.Missing, chain.Identity.WalSegmentSize).Split(", ")];
            from = walk.Contiguous.Any(e => e.Name.Name == oldest.StopWalSegment) ? oldest.StopTimeUtc : null;
            to = walk.Contiguous.Count > 0 ? walk.Contiguous[^1].ArchivedUtc : null;
            if (gaps.Count > 0)
            {
                problems.Add($"WAL missing: {string.Join(", ", gaps)}");
            }
        }
        else
        {
            problems.Add("no base backup: nothing is recoverable yet");
        }

        if (rpo > maxAge)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the newest segment is {rpo.Value.TotalMinutes:0.0} min old, over the {maxAge.TotalMinutes:0} min RPO"));
        }

        long? failures = null;
        string? failing = null;
        if (server is not null)
        {
            (failures, failing) = await ReadArchiverAsync(server, cancellationToken).ConfigureAwait(false);
            if (failing is not null)
            {
                problems.Add($"archive_command is failing on {failing} (pg_stat_archiver; the server log has its message)");
            }
        }

        int? spooled = null;
        TimeSpan? oldestSpooled = null;
        string? workerError = null;
        if (spoolDirectory is not null && Directory.Exists(spoolDirectory))
        {
            var spool = new WalSpool(spoolDirectory, new WalPushOptions { Cluster = cluster });
            var queue = spool.Queue();
            spooled = queue.Count;
            oldestSpooled = queue.Count == 0 ? null : now - queue.Min(f => new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero));
            var state = spool.ReadState();
            if (state is { LastErrorUtc: { } failedAt } && (state.LastSuccessUtc is null || failedAt > state.LastSuccessUtc))
            {
                workerError = state.LastError;
                problems.Add($"the async worker is failing: {state.LastError}");
            }

            if (oldestSpooled > maxAge)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"the spool is not draining: {spooled} file(s), the oldest {oldestSpooled.Value.TotalMinutes:0.0} min old"));
            }
        }

        var state2 = failing is not null || workerError is not null || gaps.Count > 0 || (oldestSpooled > maxAge) ? HealthState.Failing
            : last is null ? HealthState.Missing
            : rpo > maxAge || backups.Count == 0 ? HealthState.Stale
            : HealthState.Healthy;
        return new WalArchiveStatus
        {
            Cluster = cluster,
            State = state2,
            LastSegment = last?.Name.Name,
            LastArchivedUtc = last?.ArchivedUtc,
            Rpo = rpo,
            NewestBaseBackup = backups.Count > 0 ? backups[0].BackupId : null,
            RecoverableFromUtc = from,
            RecoverableToUtc = to,
            Gaps = gaps,
            ArchiverFailures = failures,
            ArchiverFailingWal = failing,
            SpoolFiles = spooled,
            SpoolOldest = oldestSpooled,
            WorkerError = workerError,
            Problems = problems,
        };
    }

    private static async Task<(long Failures, string? Failing)> ReadArchiverAsync(PgConnectionSettings server, CancellationToken cancellationToken)
    {
        await using var connection = await PgConnector.OpenAsync(server, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT failed_count, CASE WHEN last_failed_time > coalesce(last_archived_time, '-infinity') THEN last_failed_wal END FROM pg_stat_archiver", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (0, null);
    }

    /// <summary>Prometheus text for the archive statuses (appended to the backup metrics).</summary>
    public static string RenderMetrics(IReadOnlyList<WalArchiveStatus> statuses, string? environment)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var text = new StringBuilder();
        string Labels(WalArchiveStatus s, string? state = null) =>
            $"{{cluster=\"{Escape(s.Cluster)}\",environment=\"{Escape(environment ?? string.Empty)}\"{(state is null ? string.Empty : $",status=\"{state}\"")}}}";
        void Family(string name, string type, string help, Func<WalArchiveStatus, double?> value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var s in statuses)
            {
                if (value(s) is { } v)
                {
                    text.Append(name).Append(Labels(s)).Append(' ').Append(v.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        Family("backupops_wal_last_archived_timestamp_seconds", "gauge", "Unix time the newest WAL segment reached the store.", s => s.LastArchivedUtc?.ToUnixTimeMilliseconds() / 1000.0);
        Family("backupops_wal_rpo_seconds", "gauge", "Age of the newest archived WAL segment: the recovery point right now.", s => s.Rpo?.TotalSeconds);
        Family("backupops_wal_recoverable_from_timestamp_seconds", "gauge", "Start of the recoverable window (end of the oldest base backup with whole WAL).", s => s.RecoverableFromUtc?.ToUnixTimeMilliseconds() / 1000.0);
        Family("backupops_wal_recoverable_to_timestamp_seconds", "gauge", "End of the recoverable window (newest segment before any gap).", s => s.RecoverableToUtc?.ToUnixTimeMilliseconds() / 1000.0);
        Family("backupops_wal_gaps", "gauge", "Missing WAL ranges inside the recoverable window.", s => s.Gaps.Count);
        Family("backupops_wal_archiver_failures_total", "counter", "pg_stat_archiver.failed_count of the server.", s => s.ArchiverFailures);
        Family("backupops_wal_spool_files", "gauge", "WAL files waiting in the async spool.", s => s.SpoolFiles);
        text.Append("# HELP backupops_wal_status Health of each cluster's archiving: 1 for its current state.\n# TYPE backupops_wal_status gauge\n");
        foreach (var s in statuses)
        {
            foreach (var state in Enum.GetValues<HealthState>())
            {
                text.Append("backupops_wal_status").Append(Labels(s, state.ToString().ToLowerInvariant())).Append(' ').Append(s.State == state ? '1' : '0').Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
