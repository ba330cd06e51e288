namespace BackupOps.Engine.Integrity;

/// <summary>Which objects to sample.</summary>
public enum SampleMode
{
    /// <summary>The most recently modified objects.</summary>
    Newest,
    /// <summary>A random sample (reproducible with a seed).</summary>
    Random,
    /// <summary>Every object under the prefix.</summary>
    All,
}

/// <summary>What an object's hash was compared with, strongest first.</summary>
public enum HashReference
{
    /// <summary>The SHA-256 in the object's own <c>x-amz-meta-sha256</c> metadata.</summary>
    MetadataSha256,
    /// <summary>The SHA-256 in the BackupOps manifest beside it.</summary>
    Manifest,
    /// <summary>The single-part ETag, which is the MD5 of the content: weaker (MD5, and set by the server at upload).</summary>
    EtagMd5,
    /// <summary>Nothing to compare with: the object was read whole but cannot be verified.</summary>
    None,
}

/// <summary>How an object's check came out.</summary>
public enum ObjectCheckOutcome
{
    /// <summary>The computed hash equals the reference.</summary>
    Passed,
    /// <summary>The computed hash differs from the reference: the object changed after it was recorded.</summary>
    Failed,
    /// <summary>No reference to compare with.</summary>
    Unverified,
}

/// <summary>The check of one object.</summary>
/// <param name="Bucket">Bucket.</param>
/// <param name="Key">Key.</param>
/// <param name="SizeBytes">Bytes read.</param>
/// <param name="StorageClass">Storage class reported by the server.</param>
/// <param name="Outcome">Outcome.</param>
/// <param name="Reference">What the hash was compared with.</param>
/// <param name="Sha256">SHA-256 of the bytes read.</param>
/// <param name="Detail">Expected and actual values, or why unverified.</param>
/// <param name="SavedTo">Local copy when a destination was given.</param>
public sealed record ObjectCheck(string Bucket, string Key, long SizeBytes, string StorageClass, ObjectCheckOutcome Outcome, HashReference Reference, string Sha256, string Detail, string? SavedTo);

/// <summary>What to verify.</summary>
public sealed record ObjectVerifyRequest
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>Key prefix to sample under.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Endpoint, credentials, SSE-C key.</summary>
    public required Stores.S3StoreOptions S3 { get; init; }

    /// <summary>How to sample.</summary>
    public SampleMode Mode { get; init; } = SampleMode.Newest;

    /// <summary>How many objects (ignored for All).</summary>
    public int Count { get; init; } = 10;

    /// <summary>Seed for Random sampling, for a reproducible sample.</summary>
    public int? Seed { get; init; }

    /// <summary>Folder to keep the downloaded copies in (the seed's <c>aws s3 sync ... ./tmp</c>); null streams without keeping.</summary>
    public string? Destination { get; init; }
}
