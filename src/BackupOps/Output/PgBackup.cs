namespace BackupOps;

/// <summary>A valid PostgreSQL backup in a store (Invoke-PgBackup and Get-PgBackup output; binds to Restore-PgBackup and Remove-PgBackup by property name).</summary>
public sealed class PgBackup
{
    /// <summary>The store, as written to -Store: a folder or s3://bucket/prefix.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The backup id (UTC start time plus a random suffix).</summary>
    public string BackupId { get; init; } = string.Empty;

    /// <summary>The database backed up.</summary>
    public string Database { get; init; } = string.Empty;

    /// <summary>When the backup started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>When the data was committed (UTC).</summary>
    public DateTime CompletedUtc { get; init; }

    /// <summary>How long the backup took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Size of the stored data in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>SHA-256 of the stored data.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>True when encrypted with age.</summary>
    public bool Encrypted { get; init; }

    /// <summary>age public recipients (empty when not encrypted).</summary>
    public string[] Recipients { get; init; } = [];

    /// <summary>PostgreSQL server version.</summary>
    public string ServerVersion { get; init; } = string.Empty;

    /// <summary>pg_dump version.</summary>
    public string PgDumpVersion { get; init; } = string.Empty;

    /// <summary>Where the dump was compressed: <c>zstd</c> (BackupOps, around an uncompressed archive) or <c>pg_dump</c> (its own zlib).</summary>
    public string Codec { get; init; } = string.Empty;

    /// <summary>The level of <see cref="Codec"/>.</summary>
    public int CompressionLevel { get; init; }

    /// <summary>Tables in the database at backup time.</summary>
    public int Tables { get; init; }

    /// <summary>Key of the data object.</summary>
    public string DataKey { get; init; } = string.Empty;

    /// <summary>Key of the manifest.</summary>
    public string ManifestKey { get; init; } = string.Empty;

    /// <summary>Machine that ran the backup.</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>The Object Lock mode the backup was written under (GOVERNANCE, COMPLIANCE, BUCKET-RULE), or null when unlocked.</summary>
    public string? LockMode { get; init; }

    /// <summary>Until when the store keeps the backup from being deleted (UTC), or null when unlocked.</summary>
    public DateTime? RetainUntilUtc { get; init; }

    /// <summary>Fingerprint of the key the manifest claims to be signed with, or null when unsigned. A claim: Restore-PgBackup -TrustedKey checks the signature.</summary>
    public string? SigningKey { get; init; }
}
