namespace BackupOps.Engine.Health;

/// <summary>Health of one source's backups.</summary>
public enum HealthState
{
    /// <summary>The newest valid backup is younger than the maximum age and no newer attempt failed.</summary>
    Healthy,
    /// <summary>The newest valid backup is older than the maximum age.</summary>
    Stale,
    /// <summary>No valid backup, and no failed attempt either: nothing has run.</summary>
    Missing,
    /// <summary>The newest attempt failed (after the newest valid backup, or there is none).</summary>
    Failing,
}

/// <summary>The status of one database or Redis source in a store.</summary>
/// <param name="Kind"><c>postgresql</c> or <c>redis</c>.</param>
/// <param name="Source">Database or source name.</param>
/// <param name="State">Health against the maximum age.</param>
/// <param name="NewestBackupId">The newest valid backup, if any.</param>
/// <param name="NewestStartedUtc">When it started.</param>
/// <param name="Age">Its age at the time of the check.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="DurationSeconds">How long it took.</param>
/// <param name="LastFailure">The newest failed attempt, when it is newer than the newest valid backup.</param>
/// <param name="Failures">Failed runs recorded for this source.</param>
public sealed record SourceStatus(
    string Kind,
    string Source,
    HealthState State,
    string? NewestBackupId,
    DateTimeOffset? NewestStartedUtc,
    TimeSpan? Age,
    long? SizeBytes,
    double? DurationSeconds,
    RunRecord? LastFailure,
    int Failures)
{
    /// <summary>Why the source is not Healthy (damaged newest backup, interrupted or failed run, age), in one line.</summary>
    public string? Reason { get; init; }
}

/// <summary>What status found: each source's health, and what killed runs and copies left that a person should look at.</summary>
/// <param name="Sources">Per-source health.</param>
/// <param name="Leftovers">Leftovers and anomalies: store objects that are not backups, interrupted restores and the databases they may have left, temp folders, copies in the catalog.</param>
public sealed record StatusReport(IReadOnlyList<SourceStatus> Sources, IReadOnlyList<string> Leftovers)
{
    /// <summary>True when trusted keys were given: every newest backup counted has a verified manifest signature.</summary>
    public bool SignaturesChecked { get; init; }

    /// <summary>Run records that bear on health but have no valid signature by a trusted key, and were ignored (0 without trusted keys).</summary>
    public int UnsignedRunRecordsIgnored { get; init; }
}

/// <summary>Settings of a status check.</summary>
public sealed record StatusOptions
{
    /// <summary>A newest valid backup older than this is Stale.</summary>
    public TimeSpan MaxAge { get; init; } = BackupStatusEngine.DefaultMaxAge;

    /// <summary>Sources that must exist (<c>postgresql:app</c>, <c>redis:cache</c>).</summary>
    public IReadOnlyList<string> Expected { get; init; } = [];

    /// <summary>A run whose heartbeat is older than this never finished: it was killed (default 15 minutes, three heartbeats).</summary>
    public TimeSpan InterruptedAfter { get; init; } = BackupStatusEngine.DefaultInterruptedAfter;

    /// <summary>Also list leftover restore databases on this server (optional: status needs no database otherwise).</summary>
    public Connection.PgConnectionSettings? Server { get; init; }

    /// <summary>Where this machine's temporary folders are (default BACKUPOPS_TEMP or the system temp).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>
    /// Public key files whose signatures count (null: BACKUPOPS_TRUSTED_KEYS; neither: signatures are not checked). With
    /// them, a newest backup without a valid manifest signature makes its source Failing, and run records without a
    /// valid signature are ignored (and counted).
    /// </summary>
    public IReadOnlyList<string>? TrustedKeyFiles { get; init; }
}
