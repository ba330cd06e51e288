namespace BackupOps;

/// <summary>A valid base backup in a store (Invoke-PgBaseBackup and Get-PgBaseBackup output; binds to Restore-PgBaseBackup, Remove-PgBaseBackup and Test-PgWalArchive by property name).</summary>
public sealed class PgBaseBackup
{
    /// <summary>The store, as written to -Store: a folder or s3://bucket/prefix.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The backup id (UTC start time plus a random suffix).</summary>
    public string BackupId { get; init; } = string.Empty;

    /// <summary>The cluster name the base backup and its WAL are filed under.</summary>
    public string Cluster { get; init; } = string.Empty;

    /// <summary>When the backup started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>When the server ended the backup (UTC): a point-in-time restore to any later moment can start from it.</summary>
    public DateTime StopTimeUtc { get; init; }

    /// <summary>When the data object was committed (UTC).</summary>
    public DateTime CompletedUtc { get; init; }

    /// <summary>How long the backup took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Size of the stored data object in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Bytes of file content in the data directory.</summary>
    public long DataBytes { get; init; }

    /// <summary>Files in the data directory.</summary>
    public int Files { get; init; }

    /// <summary>SHA-256 of the stored data object.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>True when encrypted with age.</summary>
    public bool Encrypted { get; init; }

    /// <summary>age public recipients (empty when not encrypted).</summary>
    public string[] Recipients { get; init; } = [];

    /// <summary>PostgreSQL major version of the data directory.</summary>
    public string ServerVersion { get; init; } = string.Empty;

    /// <summary>The cluster's system identifier.</summary>
    public string SystemIdentifier { get; init; } = string.Empty;

    /// <summary>Timeline the backup started on.</summary>
    public long Timeline { get; init; }

    /// <summary>WAL location where the backup started.</summary>
    public string StartLsn { get; init; } = string.Empty;

    /// <summary>WAL location where the backup became consistent.</summary>
    public string StopLsn { get; init; } = string.Empty;

    /// <summary>First WAL segment a restore from this backup needs.</summary>
    public string StartWalSegment { get; init; } = string.Empty;

    /// <summary>Last WAL segment a restore needs to reach consistency.</summary>
    public string StopWalSegment { get; init; } = string.Empty;

    /// <summary>Codec of the data object: zstd or none.</summary>
    public string Codec { get; init; } = string.Empty;

    /// <summary>zstd level.</summary>
    public int CompressionLevel { get; init; }

    /// <summary>Key of the data object.</summary>
    public string DataKey { get; init; } = string.Empty;

    /// <summary>Key of the manifest.</summary>
    public string ManifestKey { get; init; } = string.Empty;

    /// <summary>Machine that ran the backup.</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>Fingerprint of the key the manifest claims to be signed with, or null when unsigned. A claim: Restore-PgBaseBackup -TrustedKey checks the signature.</summary>
    public string? SigningKey { get; init; }
}
