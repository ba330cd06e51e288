namespace BackupOps;

/// <summary>How an object's integrity check came out.</summary>
public enum R2ObjectOutcome
{
    /// <summary>The content's hash equals the recorded one.</summary>
    Passed,
    /// <summary>The content changed after its hash was recorded.</summary>
    Failed,
    /// <summary>Nothing recorded to compare with.</summary>
    Unverified,
}

/// <summary>One sampled object (Test-R2Object output).</summary>
public sealed class R2ObjectCheck
{
    /// <summary>Bucket.</summary>
    public string Bucket { get; init; } = string.Empty;

    /// <summary>Key.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>Bytes read.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Storage class reported by the server.</summary>
    public string StorageClass { get; init; } = string.Empty;

    /// <summary>Outcome.</summary>
    public R2ObjectOutcome Outcome { get; init; }

    /// <summary>What the hash was compared with: MetadataSha256, Manifest, EtagMd5 (weaker) or None.</summary>
    public string Reference { get; init; } = string.Empty;

    /// <summary>SHA-256 of the content.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>Expected and actual values.</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>Local copy, when -Destination was given.</summary>
    public string? SavedTo { get; init; }
}
