namespace BackupOps;

/// <summary>Totals of a Test-R2Object run (-Summary).</summary>
public sealed class R2ObjectSummary
{
    /// <summary>Bucket.</summary>
    public string Bucket { get; init; } = string.Empty;

    /// <summary>Prefix sampled.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Objects checked.</summary>
    public int Checked { get; init; }

    /// <summary>Objects whose hash matched.</summary>
    public int Passed { get; init; }

    /// <summary>Objects whose hash did not match.</summary>
    public int Failed { get; init; }

    /// <summary>Objects with nothing to compare with.</summary>
    public int Unverified { get; init; }

    /// <summary>Bytes read.</summary>
    public long Bytes { get; init; }
}
