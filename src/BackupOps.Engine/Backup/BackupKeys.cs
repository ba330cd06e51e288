using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BackupOps.Engine.Backup;

/// <summary>
/// The store layout: <c>pg/&lt;database&gt;/&lt;backupId&gt;.dump[.age]</c> with
/// <c>pg/&lt;database&gt;/&lt;backupId&gt;.manifest.json</c> beside it. A backup id is the UTC start time to the
/// millisecond plus six random hex digits (<c>20261121T021500123Z-3fa9c1</c>): ids sort by time, and two backups
/// of one database started in the same millisecond still get different keys.
/// </summary>
public static class BackupKeys
{
    /// <summary>Top-level prefix of PostgreSQL backups.</summary>
    public const string PostgresPrefix = "pg/";

    /// <summary>Suffix of manifests.</summary>
    public const string ManifestSuffix = ".manifest.json";

    /// <summary>Suffix of custom-format dumps.</summary>
    public const string DumpSuffix = ".dump";

    /// <summary>Suffix added to age-encrypted data.</summary>
    public const string AgeSuffix = ".age";

    /// <summary>A new backup id for a backup starting at <paramref name="startedUtc"/>.</summary>
    public static string NewBackupId(DateTimeOffset startedUtc) =>
        startedUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>The folder-safe form of a database name (letters, digits, '_', '-', '.'; others as %XX).</summary>
    public static string DatabaseSegment(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(database))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>The prefix holding one source's backups of a kind (<c>pg/app/</c>, <c>redis/cache/</c>).</summary>
    public static string SourcePrefix(Catalog.BackupKind kind, string source)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.Prefix + DatabaseSegment(source) + "/";
    }

    /// <summary>The manifest key of a backup of any kind.</summary>
    public static string ManifestKey(Catalog.BackupKind kind, string source, string backupId) => SourcePrefix(kind, source) + backupId + ManifestSuffix;

    /// <summary>The prefix holding one database's backups.</summary>
    public static string DatabasePrefix(string database) => SourcePrefix(Catalog.BackupKind.Postgres, database);

    /// <summary>The data key of a backup: <c>.dump</c>, then <c>.zst</c> when BackupOps compressed it, then <c>.age</c> when encrypted.</summary>
    public static string DataKey(string database, string backupId, bool encrypted, bool zstd = false) =>
        DatabasePrefix(database) + backupId + DumpSuffix + (zstd ? DumpCodecs.ZstdSuffix : string.Empty) + (encrypted ? AgeSuffix : string.Empty);

    /// <summary>The manifest key of a backup.</summary>
    public static string ManifestKey(string database, string backupId) => ManifestKey(Catalog.BackupKind.Postgres, database, backupId);

    /// <summary>Reads the backup id out of a data or manifest key, or null when the key is not BackupOps'.</summary>
    public static string? BackupIdOf(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var id = dot < 0 ? name : name[..dot];
        return id.Length == 26 && id[8] == 'T' && id[18] == 'Z' && id[19] == '-' ? id : null;
    }

    /// <summary>Reads the UTC start time encoded in a backup id.</summary>
    public static DateTimeOffset? StartedUtcOf(string backupId) =>
        backupId.Length >= 19 && DateTime.TryParseExact(backupId[..19], "yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero)
            : null;
}
