namespace BackupOps;

/// <summary>What Test-PgWalArchive found: every segment from the oldest base backup on, and the window a restore can reach.</summary>
public sealed class PgWalArchiveReport
{
    /// <summary>The store.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The cluster.</summary>
    public string Cluster { get; init; } = string.Empty;

    /// <summary>True when no segment is missing or damaged and there is a recoverable window.</summary>
    public bool Succeeded { get; init; }

    /// <summary>The timeline the walk ended on.</summary>
    public long Timeline { get; init; }

    /// <summary>Segments walked, from the oldest base backup to the newest segment.</summary>
    public int Segments { get; init; }

    /// <summary>Segments read back and proven against their SHA-256 (0 with -NoRead).</summary>
    public int Verified { get; init; }

    /// <summary>Missing segments, as ranges.</summary>
    public string[] Gaps { get; init; } = [];

    /// <summary>Names of the damaged WAL files.</summary>
    public string[] Damaged { get; init; } = [];

    /// <summary>One line per gap or damaged file, naming it and what is wrong.</summary>
    public string[] Problems { get; init; } = [];

    /// <summary>Base backups considered, oldest first.</summary>
    public string[] BaseBackups { get; init; } = [];

    /// <summary>The earliest moment a restore can reach (UTC), or null when none.</summary>
    public DateTime? RecoverableFromUtc { get; init; }

    /// <summary>The latest moment a restore can reach (UTC): the archive time of the last segment before any gap or damage.</summary>
    public DateTime? RecoverableToUtc { get; init; }

    /// <summary>The last segment before any gap or damage.</summary>
    public string? LastRecoverableSegment { get; init; }
}
