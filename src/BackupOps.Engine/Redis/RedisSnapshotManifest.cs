using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Redis;

/// <summary>Keys of one database in a snapshot.</summary>
/// <param name="Keys">Keys at snapshot time.</param>
/// <param name="Expires">Of those, keys with a TTL (they may expire before a restore).</param>
public sealed record RedisDatabaseKeys(long Keys, long Expires);

/// <summary>The manifest of a Redis snapshot: written after the data object is committed, like a database backup's.</summary>
public sealed record RedisSnapshotManifest : IBackupManifest
{
    /// <inheritdoc />
    public int FormatVersion { get; set; } = BackupManifest.CurrentFormatVersion;

    /// <inheritdoc />
    public required string BackupId { get; init; }

    /// <inheritdoc />
    public string Kind { get; set; } = "redis";

    /// <summary>The source name (store folder): given, or host-port.</summary>
    public required string Database { get; init; }

    /// <summary>Server as host:port.</summary>
    public required string SourceServer { get; init; }

    /// <summary>redis_version of the server.</summary>
    public required string RedisVersion { get; init; }

    /// <summary><c>rdb</c> (a server snapshot) or <c>logical</c> (SCAN + DUMP export, for managed Redis without BGSAVE/SYNC).</summary>
    public required string Method { get; init; }

    /// <summary>How the data was obtained: <c>server-file</c>, <c>replication</c> (redis-cli --rdb) or <c>scan</c>.</summary>
    public required string Obtained { get; init; }

    /// <inheritdoc />
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When the data object was committed.</summary>
    public required DateTimeOffset CompletedUtc { get; init; }

    /// <summary>Seconds from start to commit.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>The server's LASTSAVE after the snapshot (rdb method).</summary>
    public DateTimeOffset? LastSaveUtc { get; init; }

    /// <inheritdoc />
    public required string DataKey { get; init; }

    /// <inheritdoc />
    public required long SizeBytes { get; init; }

    /// <inheritdoc />
    public required string Sha256 { get; init; }

    /// <summary>The Object Lock the data object and this manifest were written under, or null when unlocked.</summary>
    public ImmutabilityInfo? Immutability { get; init; }

    /// <summary>Keys per database ("0", "3", ...), from the RDB's own records or counted during the export.</summary>
    public required IReadOnlyDictionary<string, RedisDatabaseKeys> Databases { get; init; }

    /// <summary>True when the server had AOF on (a restore into it must load the RDB with AOF off first).</summary>
    public bool AofEnabled { get; init; }

    /// <summary>BackupOps version.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Fingerprint (<c>sha256:...</c>) of the key this manifest is signed with, or null when unsigned; the signature is the <c>.sig</c> object beside the manifest.</summary>
    public string? SigningKey { get; init; }

    /// <summary>Machine that took the snapshot.</summary>
    public required string Host { get; init; }
}
