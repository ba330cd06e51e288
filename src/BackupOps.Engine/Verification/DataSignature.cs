using System.Text;
using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Verification;

/// <summary>
/// The first bytes every backup's data must start with, by format: a hash proves the bytes are the ones recorded,
/// the header proves the recorded bytes are a backup at all (a store overwritten with garbage and a re-hashed
/// manifest passes the hash, never the header).
/// </summary>
internal static class DataSignature
{
    private static readonly byte[] PgCustom = Encoding.ASCII.GetBytes("PGDMP");
    private static readonly byte[] Age = Encoding.ASCII.GetBytes("age-encryption.org/v1");
    private static readonly byte[] Rdb = Encoding.ASCII.GetBytes("REDIS");
    private static readonly byte[] RedisLogical = Encoding.ASCII.GetBytes("BOPSRDX1");
    private static readonly byte[] Zstd = [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>The expected header and a name for it, or null when the format has none BackupOps knows.</summary>
    public static (byte[] Header, string Name)? For(IBackupManifest manifest) => manifest switch
    {
        BackupManifest { Encryption: not null } => (Age, "an age-encrypted file"),
        BackupManifest { IsZstd: true } => (Zstd, "a zstd-compressed pg_dump archive"),
        BackupManifest { Format: "custom" } => (PgCustom, "a pg_dump custom-format archive"),
        Redis.RedisSnapshotManifest { Method: "rdb" } => (Rdb, "a Redis RDB file"),
        Redis.RedisSnapshotManifest { Method: "logical" } => (RedisLogical, "a BackupOps logical Redis export"),
        Physical.BaseBackupManifest { Encryption: not null } => (Age, "an age-encrypted file"),
        Physical.BaseBackupManifest { Codec: "zstd" } => (Zstd, "a zstd-compressed base backup"),
        _ => null,
    };
}
