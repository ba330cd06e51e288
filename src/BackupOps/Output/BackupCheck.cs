namespace BackupOps;

/// <summary>How a check came out.</summary>
public enum BackupCheckOutcome
{
    /// <summary>Verified and as expected.</summary>
    Passed,
    /// <summary>Verified and wrong.</summary>
    Failed,
    /// <summary>Could not be fully verified; see Detail.</summary>
    Warning,
}

/// <summary>One check of a restore validation or a backup dry run.</summary>
public sealed class BackupCheck
{
    /// <summary>What was checked.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The outcome.</summary>
    public BackupCheckOutcome Outcome { get; init; }

    /// <summary>Expected and actual values.</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>The outcome with the name, so a check reads right wherever PowerShell shows it as text.</summary>
    public override string ToString() => $"{Outcome}: {Name}";
}
