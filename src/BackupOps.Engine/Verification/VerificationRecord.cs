namespace BackupOps.Engine.Verification;

/// <summary>
/// When and how one backup was last proven whole: its data read back from the store and hashed (SHA-256, size, and
/// the format's header), by a prune, a restore or <c>pg verify</c>. Kept in the store beside the catalog
/// (<c>verify/&lt;kind&gt;/&lt;source&gt;/&lt;backupId&gt;.&lt;outcome&gt;.json</c>), so status and the next prune know
/// without re-reading, and bound to what it proved: the manifest's hash and size and the data object's size, time
/// and ETag. Any change to either makes the record stale. Holds no secret.
/// </summary>
public sealed record VerificationRecord
{
    /// <summary>Record format version.</summary>
    public int FormatVersion { get; set; } = 1;

    /// <summary><c>postgresql</c> or <c>redis</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The database or Redis source.</summary>
    public required string Source { get; init; }

    /// <summary>The backup verified.</summary>
    public required string BackupId { get; init; }

    /// <summary>Its data object.</summary>
    public required string DataKey { get; init; }

    /// <summary>The SHA-256 its manifest recorded when it was verified.</summary>
    public required string ExpectedSha256 { get; init; }

    /// <summary>The size its manifest recorded.</summary>
    public required long ExpectedSizeBytes { get; init; }

    /// <summary>The SHA-256 of the bytes read (null when the read itself failed).</summary>
    public string? ActualSha256 { get; init; }

    /// <summary>The bytes read.</summary>
    public long? ActualSizeBytes { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset VerifiedUtc { get; init; }

    /// <summary>
    /// What was found of the manifest's signature: "signature verified (key ...)", "signed ..., not checked", "unsigned",
    /// or why a required signature failed. Null in records written before signatures, and by prune and restore.
    /// </summary>
    public string? Signature { get; init; }

    /// <summary>By what: <c>prune</c>, <c>restore</c> or <c>verify</c>; every one read the whole object.</summary>
    public required string Method { get; init; }

    /// <summary><c>passed</c> or <c>failed</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>What was wrong, for a failure.</summary>
    public string? Detail { get; init; }

    /// <summary>The data object's modification time as listed when it was read.</summary>
    public DateTimeOffset? DataLastModifiedUtc { get; init; }

    /// <summary>The data object's size as listed.</summary>
    public long? DataListedSizeBytes { get; init; }

    /// <summary>The data object's ETag (S3) when it was read.</summary>
    public string? DataETag { get; init; }

    /// <summary>Machine that verified.</summary>
    public string Host { get; set; } = Environment.MachineName;

    /// <summary>BackupOps version.</summary>
    public string ToolVersion { get; set; } = ToolInfo.Version;

    /// <summary>True when the bytes matched.</summary>
    public bool Passed => Outcome == PassedOutcome;

    /// <summary>Outcome of a match.</summary>
    public const string PassedOutcome = "passed";

    /// <summary>Outcome of a mismatch (damaged or missing data).</summary>
    public const string FailedOutcome = "failed";
}
