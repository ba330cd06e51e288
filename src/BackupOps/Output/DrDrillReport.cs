namespace BackupOps;

/// <summary>One check of a drill.</summary>
public sealed class DrDrillCheck
{
    /// <summary>What was checked.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>postgresql, objects, lifecycle, redis or targets.</summary>
    public string Component { get; init; } = string.Empty;

    /// <summary>Passed or Failed.</summary>
    public string Outcome { get; init; } = string.Empty;

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>What was found.</summary>
    public string Details { get; init; } = string.Empty;

    /// <summary>Why it failed.</summary>
    public string? FailureReason { get; init; }

    /// <summary>The outcome with the name, so a check reads right wherever PowerShell shows it as text.</summary>
    public override string ToString() => $"{Outcome}: {Name}";
}

/// <summary>The outcome of Test-DrDrill.</summary>
public sealed class DrDrillReport
{
    /// <summary>Environment drilled.</summary>
    public string Environment { get; init; } = string.Empty;

    /// <summary>Who ran it.</summary>
    public string Operator { get; init; } = string.Empty;

    /// <summary>When it started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>Total duration.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Longest restore-to-validated time (RTO measurement).</summary>
    public TimeSpan? TimeToRestore { get; init; }

    /// <summary>True for a dry run.</summary>
    public bool DryRun { get; init; }

    /// <summary>True when every check passed.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Every check.</summary>
    public DrDrillCheck[] Checks { get; init; } = [];

    /// <summary>Failure reasons (the log's blockers).</summary>
    public string[] Blockers { get; init; } = [];

    /// <summary>The JSON report written, when a definition file was used.</summary>
    public string? JsonReport { get; init; }

    /// <summary>The JUnit XML report written.</summary>
    public string? JUnitReport { get; init; }
}

/// <summary>A drill definition file written by New-DrDrillConfig.</summary>
public sealed class DrDrillConfigFile
{
    /// <summary>Full path of the file.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The next step.</summary>
    public string Next { get; init; } = string.Empty;
}
