namespace BackupOps;

/// <summary>One timed step of a point-in-time recovery.</summary>
public sealed class PgRecoveryStep
{
    /// <summary>What was done.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>What came of it.</summary>
    public string Detail { get; init; } = string.Empty;
}
