namespace BackupOps.Engine.Health;

/// <summary>
/// What one backup, restore, prune or snapshot did, kept in the store (<c>runs/&lt;kind&gt;/&lt;source&gt;/...json</c>) so
/// status and history survive the machine that ran them. Holds no secret: errors are BackupOps' own messages.
/// </summary>
public sealed record RunRecord
{
    /// <summary>Record format version.</summary>
    public int FormatVersion { get; set; } = 1;

    /// <summary><c>postgresql</c> or <c>redis</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Database or Redis source name (<c>*</c> for a prune of every source).</summary>
    public required string Source { get; init; }

    /// <summary><c>backup</c>, <c>snapshot</c>, <c>restore</c> or <c>prune</c>.</summary>
    public required string Operation { get; init; }

    /// <summary><c>started</c> (while running, or never finished), <c>success</c>, <c>failure</c>, <c>cancelled</c> or <c>interrupted</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Identifies the run: its started record and its outcome record share it (and their keys start with it).</summary>
    public string? RunId { get; init; }

    /// <summary>For a started record: the last time the run said it was alive (every few minutes while it runs).</summary>
    public DateTimeOffset? HeartbeatUtc { get; init; }

    /// <summary>Process id of the run on <see cref="Host"/>.</summary>
    public int? ProcessId { get; init; }

    /// <summary>What the run may leave behind if it is killed (a restore's scratch database and server), for status and operators.</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset CompletedUtc { get; init; }

    /// <summary>Seconds it took.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>Bytes stored or read, when known.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>The backup or snapshot concerned, when known.</summary>
    public string? BackupId { get; init; }

    /// <summary>Stable error id of a failure.</summary>
    public string? ErrorId { get; init; }

    /// <summary>One-line error summary of a failure.</summary>
    public string? Error { get; init; }

    /// <summary>Environment label (BACKUPOPS_ENVIRONMENT), for metrics and messages.</summary>
    public string? Environment { get; init; }

    /// <summary>Machine that ran it.</summary>
    public string Host { get; set; } = System.Environment.MachineName;

    /// <summary>BackupOps version.</summary>
    public string ToolVersion { get; set; } = ToolInfo.Version;

    /// <summary>True for a success.</summary>
    public bool Succeeded => Outcome == SuccessOutcome;

    /// <summary>Outcome of a run that finished well.</summary>
    public const string SuccessOutcome = "success";

    /// <summary>Outcome of a run that failed.</summary>
    public const string FailureOutcome = "failure";

    /// <summary>Outcome of a run stopped by a signal, Ctrl+C or the caller.</summary>
    public const string CancelledOutcome = "cancelled";

    /// <summary>The outcome of a record written when a run starts; replaced by the run's real outcome when it ends.</summary>
    public const string StartedOutcome = "started";

    /// <summary>The outcome prune gives a run whose started record outlived its heartbeat: it was killed.</summary>
    public const string InterruptedOutcome = "interrupted";
}
