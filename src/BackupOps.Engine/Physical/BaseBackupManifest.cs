using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Physical;

/// <summary>
/// What a base backup is, written as JSON beside its data (<c>pgbase/&lt;cluster&gt;/&lt;id&gt;.manifest.json</c>) only
/// after the data object is committed and every WAL segment the backup needs is in the archive.
/// </summary>
public sealed record BaseBackupManifest : IBackupManifest
{
    /// <summary>Manifest format version.</summary>
    public int FormatVersion { get; set; } = BackupManifest.CurrentFormatVersion;

    /// <summary>Backup id (UTC start time plus a random suffix).</summary>
    public required string BackupId { get; init; }

    /// <summary>Kind: <c>postgresql-base</c>.</summary>
    public string Kind { get; set; } = "postgresql-base";

    /// <summary>The cluster name (base backups are of a whole cluster).</summary>
    public required string Database { get; init; }

    /// <summary>Source server as host:port.</summary>
    public required string SourceServer { get; init; }

    /// <summary>The replication user pg_basebackup connected as (a name, never a password).</summary>
    public string? User { get; init; }

    /// <summary>Server major version (PG_VERSION of the data directory).</summary>
    public required string ServerVersion { get; init; }

    /// <summary>pg_basebackup's version.</summary>
    public required string PgBaseBackupVersion { get; init; }

    /// <summary>The cluster's system identifier (text).</summary>
    public required string SystemIdentifier { get; init; }

    /// <summary>Timeline the backup started on.</summary>
    public required uint Timeline { get; init; }

    /// <summary>WAL location where the backup started (X/Y).</summary>
    public required string StartLsn { get; init; }

    /// <summary>WAL location where it became consistent (X/Y).</summary>
    public required string StopLsn { get; init; }

    /// <summary>First WAL segment the restore needs.</summary>
    public required string StartWalSegment { get; init; }

    /// <summary>Last WAL segment the restore needs to reach consistency.</summary>
    public required string StopWalSegment { get; init; }

    /// <summary>WAL segment size.</summary>
    public required int WalSegmentSize { get; init; }

    /// <summary>When the backup started (BackupOps' clock).</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When the server says the backup ended (its backup history file); restores to a time after this can use it.</summary>
    public required DateTimeOffset StopTimeUtc { get; init; }

    /// <summary>When the data object was committed.</summary>
    public required DateTimeOffset CompletedUtc { get; init; }

    /// <summary>Seconds from start to commit.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Key of the data object (a tar of the data directory, compressed, optionally age-encrypted).</summary>
    public required string DataKey { get; init; }

    /// <summary>Size of the stored data object.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>SHA-256 of the stored data object.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The Object Lock the data object and this manifest were written under, or null when unlocked.</summary>
    public ImmutabilityInfo? Immutability { get; init; }

    /// <summary>Bytes of file content in the data directory.</summary>
    public required long DataBytes { get; init; }

    /// <summary>Files in the data directory.</summary>
    public required int Files { get; init; }

    /// <summary>Codec of the data object: <c>zstd</c> or <c>none</c>.</summary>
    public required string Codec { get; init; }

    /// <summary>zstd level.</summary>
    public required int CompressionLevel { get; init; }

    /// <summary>Client-side encryption, or null.</summary>
    public EncryptionInfo? Encryption { get; init; }

    /// <summary>Manifest-Checksum of PostgreSQL's own backup_manifest (inside the tar; restores run pg_verifybackup on it).</summary>
    public string? PgManifestChecksum { get; init; }

    /// <summary>BackupOps version.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Fingerprint (<c>sha256:...</c>) of the key this manifest is signed with, or null when unsigned; the signature is the <c>.sig</c> object beside the manifest.</summary>
    public string? SigningKey { get; init; }

    /// <summary>Machine that ran the backup.</summary>
    public required string Host { get; init; }
}
