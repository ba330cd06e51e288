namespace BackupOps;

/// <summary>A valid Redis snapshot in a store (Invoke-RedisSnapshot and Get-RedisSnapshot output; binds to Restore-RedisSnapshot and Remove-RedisSnapshot by property name).</summary>
public sealed class RedisSnapshot
{
    /// <summary>The store: a folder or s3://bucket/prefix.</summary>
    public string Store { get; init; } = string.Empty;

    /// <summary>The snapshot id.</summary>
    public string SnapshotId { get; init; } = string.Empty;

    /// <summary>The source name (store folder).</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Server as host:port.</summary>
    public string Server { get; init; } = string.Empty;

    /// <summary>rdb or logical.</summary>
    public string Method { get; init; } = string.Empty;

    /// <summary>server-file, replication or scan.</summary>
    public string Obtained { get; init; } = string.Empty;

    /// <summary>When the snapshot started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Size of the stored data in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>SHA-256 of the stored data.</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>redis_version of the server.</summary>
    public string RedisVersion { get; init; } = string.Empty;

    /// <summary>Keys in all databases.</summary>
    public long Keys { get; init; }

    /// <summary>Keys per database, as "db0=7".</summary>
    public string[] Databases { get; init; } = [];

    /// <summary>Key of the data object.</summary>
    public string DataKey { get; init; } = string.Empty;

    /// <summary>Fingerprint of the key the manifest claims to be signed with, or null when unsigned. A claim: Restore-RedisSnapshot -TrustedKey checks the signature.</summary>
    public string? SigningKey { get; init; }
}
