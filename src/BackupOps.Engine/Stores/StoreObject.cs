namespace BackupOps.Engine.Stores;

/// <summary>A committed object in a store.</summary>
/// <param name="Key">Key relative to the store root.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="LastModifiedUtc">When it was last written.</param>
public sealed record StoreObject(string Key, long Size, DateTimeOffset LastModifiedUtc)
{
    /// <summary>The S3 ETag (null for folders): changes whenever the object is rewritten, even with the same size.</summary>
    public string? ETag { get; init; }

    /// <summary>
    /// For a folder store, the target of a symbolic link found at <see cref="Key"/>. BackupOps never follows links
    /// in a store (a link loop would list every backup many times, a linked folder would alias another source), so
    /// such an entry is not an object: the catalog reports it as an anomaly.
    /// </summary>
    public string? LinkTarget { get; init; }
}

/// <summary>A write that was started and not committed.</summary>
/// <param name="Key">The key it was meant for.</param>
/// <param name="StartedUtc">When it started.</param>
/// <param name="Handle">Store-specific handle (partial file path or multipart upload id).</param>
/// <param name="Description">What it is, for operators.</param>
public sealed record IncompleteWrite(string Key, DateTimeOffset StartedUtc, string Handle, string Description);
