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
    int Failures);
