namespace BackupOps.Engine.Manifest;

/// <summary>
/// What every kind of backup manifest (PostgreSQL dumps, Redis snapshots) records, and all the catalog and
/// retention need: identity, source, time, and the data object with its size and hash.
/// </summary>
public interface IBackupManifest
{
    /// <summary>Manifest format version.</summary>
    int FormatVersion { get; }

    /// <summary>Backup id (UTC start time plus a random suffix).</summary>
    string BackupId { get; }

    /// <summary>Kind: <c>postgresql</c> or <c>redis</c>.</summary>
    string Kind { get; }

    /// <summary>The source: a database name, or a Redis source name.</summary>
    string Database { get; }

    /// <summary>When the backup started.</summary>
    DateTimeOffset StartedUtc { get; }

    /// <summary>Key of the data object, relative to the store root.</summary>
    string DataKey { get; }

    /// <summary>Size of the stored data object.</summary>
    long SizeBytes { get; }

    /// <summary>SHA-256 of the stored data object.</summary>
    string Sha256 { get; }

    /// <summary>The Object Lock the backup was written under, or null when it was not locked.</summary>
    ImmutabilityInfo? Immutability => null;

    /// <summary>Fingerprint of the key the manifest is signed with (<c>&lt;manifest&gt;.sig</c> beside it), or null when unsigned. A claim until a trusted key checks the signature.</summary>
    string? SigningKey { get; }
}
