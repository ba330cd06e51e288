namespace BackupOps.Engine.Drill;

/// <summary>One check of a drill.</summary>
/// <param name="Name">What was checked (<c>database restore: monotickets</c>).</param>
/// <param name="Component">postgresql, objects, lifecycle, redis, targets.</param>
/// <param name="Passed">True when it passed.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Details">What was found.</param>
/// <param name="FailureReason">Why it failed.</param>
public sealed record DrillCheck(string Name, string Component, bool Passed, TimeSpan Duration, string Details, string? FailureReason);

/// <summary>The outcome of a drill.</summary>
public sealed record DrillReport
{
    /// <summary>Environment drilled.</summary>
    public required string Environment { get; init; }

    /// <summary>Who ran it.</summary>
    public required string Operator { get; init; }

    /// <summary>Machine it ran on.</summary>
    public string Host { get; init; } = System.Environment.MachineName;

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset CompletedUtc { get; init; }

    /// <summary>True for a dry run (credentials and reachability only).</summary>
    public bool DryRun { get; init; }

    /// <summary>Longest restore-to-validated time of the databases (the drill's RTO measurement).</summary>
    public TimeSpan? TimeToRestore { get; init; }

    /// <summary>Every check.</summary>
    public required IReadOnlyList<DrillCheck> Checks { get; init; }

    /// <summary>Total duration.</summary>
    public TimeSpan Duration => CompletedUtc - StartedUtc;

    /// <summary>True when every check passed.</summary>
    public bool Succeeded => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>Failure reasons, one per failed check (the log's blockers).</summary>
    public IReadOnlyList<string> Blockers => [.. Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.FailureReason}")];
}
