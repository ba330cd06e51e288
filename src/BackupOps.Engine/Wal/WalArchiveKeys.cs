using BackupOps.Engine.Backup;

namespace BackupOps.Engine.Wal;

/// <summary>
/// Where a cluster's WAL lives in a store: <c>wal/&lt;cluster&gt;/archive.json</c> (the cluster's identity),
/// <c>wal/&lt;cluster&gt;/&lt;timeline+log id&gt;/&lt;segment&gt;.zst[.age]</c> for segments and their .partial and
/// .backup relatives (at most 256 per folder, the pgBackRest layout), and <c>wal/&lt;cluster&gt;/history/</c> for
/// timeline history files. Object names are derived from the WAL name alone, so a fetch needs no listing.
/// </summary>
public static class WalArchiveKeys
{
    /// <summary>Top-level prefix of WAL archives.</summary>
    public const string Prefix = "wal/";

    /// <summary>Suffix of zstd-compressed objects.</summary>
    public const string ZstdSuffix = ".zst";

    /// <summary>Suffix of uncompressed objects.</summary>
    public const string RawSuffix = ".raw";

    /// <summary>The prefix holding one cluster's archive.</summary>
    public static string ClusterPrefix(string cluster) => Prefix + BackupKeys.DatabaseSegment(cluster) + "/";

    /// <summary>The key of a cluster's identity record.</summary>
    public static string IdentityKey(string cluster) => ClusterPrefix(cluster) + "archive.json";

    /// <summary>The folder (key prefix) a WAL file's object goes in.</summary>
    public static string FolderOf(string cluster, WalFileName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ClusterPrefix(cluster) + (name.Kind == WalFileKind.History ? "history" : name.Name[..16]) + "/";
    }

    /// <summary>The key of a WAL file's object without its codec suffix (the prefix that finds it whatever the codec).</summary>
    public static string StemOf(string cluster, WalFileName name) => FolderOf(cluster, name) + name!.Name + ".";

    /// <summary>The key of a WAL file's object.</summary>
    public static string KeyOf(string cluster, WalFileName name, WalCodec codec, bool encrypted) =>
        FolderOf(cluster, name) + name.Name + (codec == WalCodec.Zstd ? ZstdSuffix : RawSuffix) + (encrypted ? BackupKeys.AgeSuffix : string.Empty);

    /// <summary>Reads the WAL file name, codec and encryption out of an object key, or null when the key is not a WAL object.</summary>
    public static (WalFileName Name, WalCodec Codec, bool Encrypted)? Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var file = key[(key.LastIndexOf('/') + 1)..];
        var encrypted = file.EndsWith(BackupKeys.AgeSuffix, StringComparison.Ordinal);
        if (encrypted)
        {
            file = file[..^BackupKeys.AgeSuffix.Length];
        }

        WalCodec codec;
        if (file.EndsWith(ZstdSuffix, StringComparison.Ordinal))
        {
            codec = WalCodec.Zstd;
            file = file[..^ZstdSuffix.Length];
        }
        else if (file.EndsWith(RawSuffix, StringComparison.Ordinal))
        {
            codec = WalCodec.None;
            file = file[..^RawSuffix.Length];
        }
        else
        {
            return null;
        }

        return WalFileName.TryParse(file) is { } name ? (name, codec, encrypted) : null;
    }
}
