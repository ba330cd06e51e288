namespace BackupOps.Engine.Manifest;

/// <summary>
/// What a backup is, written as JSON next to its data only after the data object is complete.
/// A data object without a manifest is not a backup. Holds no secret: only public age recipients.
/// </summary>
public sealed record BackupManifest : IBackupManifest
{
    /// <summary>The manifest format this engine writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Manifest format version.</summary>
    public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>Backup id: UTC start time to the millisecond plus a random suffix, so ids sort by time and never collide.</summary>
    public required string BackupId { get; init; }

    /// <summary>Source kind; <c>postgresql</c>.</summary>
    public string Kind { get; set; } = "postgresql";

    /// <summary>Database name.</summary>
    public required string Database { get; init; }

    /// <summary>Source server as host:port (no user, no password).</summary>
    public required string SourceServer { get; init; }

    /// <summary>Server version text (<c>server_version</c>).</summary>
    public required string ServerVersion { get; init; }

    /// <summary>pg_dump version text.</summary>
    public required string PgDumpVersion { get; init; }

    /// <summary>When the backup started.</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When the data object was committed.</summary>
    public required DateTimeOffset CompletedUtc { get; init; }

    /// <summary>Seconds from start to commit.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Key of the data object, relative to the store root.</summary>
    public required string DataKey { get; init; }

    /// <summary>Size of the stored data object in bytes.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the stored data object's bytes (after encryption, if any).</summary>
    public required string Sha256 { get; init; }

    /// <summary>Archive format; <c>custom</c> (pg_dump -Fc).</summary>
    public string Format { get; set; } = "custom";

    /// <summary>
    /// How the stored bytes are compressed outside the archive: <c>zstd</c> (pg_dump wrote it uncompressed and
    /// BackupOps compressed the stream; restore it with <c>zstd -d | pg_restore</c>), or null when the data object is
    /// the archive itself (compressed by pg_dump at <see cref="CompressionLevel"/>, as in manifests before zstd).
    /// </summary>
    public string? Codec { get; init; }

    /// <summary>The compression level: zstd's when <see cref="Codec"/> is <c>zstd</c>, else pg_dump's (0-9).</summary>
    public required int CompressionLevel { get; init; }

    /// <summary>True when the stored bytes are zstd frames around the archive.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsZstd => string.Equals(Codec, Backup.DumpCodecs.ZstdName, StringComparison.Ordinal);

    /// <summary>Client-side encryption, or null when the data is plain.</summary>
    public EncryptionInfo? Encryption { get; init; }

    /// <summary>The Object Lock the data object and this manifest were written under, or null when unlocked.</summary>
    public ImmutabilityInfo? Immutability { get; init; }

    /// <summary>The pg_dump options that shape the content.</summary>
    public required DumpOptionsInfo Options { get; init; }

    /// <summary>BackupOps version that wrote the backup.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Fingerprint (<c>sha256:...</c>) of the key this manifest is signed with, or null when unsigned; the signature is the <c>.sig</c> object beside the manifest.</summary>
    public string? SigningKey { get; init; }

    /// <summary>Machine that ran the backup.</summary>
    public required string Host { get; init; }

    /// <summary>What the database held, read in the same snapshot pg_dump dumped.</summary>
    public required SchemaSummary Schema { get; init; }
}

/// <summary>Client-side encryption details (public data only).</summary>
/// <param name="Method">Always <c>age</c>.</param>
/// <param name="Recipients">Public age recipients the data was encrypted to.</param>
public sealed record EncryptionInfo(string Method, IReadOnlyList<string> Recipients);

/// <summary>pg_dump options recorded in the manifest.</summary>
/// <param name="NoOwner">--no-owner was given.</param>
/// <param name="NoPrivileges">--no-privileges was given.</param>
/// <param name="IncludeTables">--table patterns.</param>
/// <param name="ExcludeTables">--exclude-table patterns.</param>
public sealed record DumpOptionsInfo(bool NoOwner, bool NoPrivileges, IReadOnlyList<string> IncludeTables, IReadOnlyList<string> ExcludeTables);
