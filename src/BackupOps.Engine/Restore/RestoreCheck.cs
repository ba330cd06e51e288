namespace BackupOps.Engine.Restore;

/// <summary>How a validation check came out.</summary>
public enum CheckOutcome
{
    /// <summary>Verified and as expected.</summary>
    Passed,
    /// <summary>Verified and wrong.</summary>
    Failed,
    /// <summary>Could not be fully verified (no reference recorded); see the detail.</summary>
    Warning,
}

/// <summary>One check of a restore or a dry run.</summary>
/// <param name="Name">What was checked (<c>sha256</c>, <c>tables</c>, <c>rows public.events</c>, <c>smoke: ...</c>).</param>
/// <param name="Outcome">The outcome.</param>
/// <param name="Detail">Expected and actual values.</param>
public sealed record RestoreCheck(string Name, CheckOutcome Outcome, string Detail);
