using System.Globalization;
using System.Text.RegularExpressions;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Redis;

/// <summary>Keys of one database in an RDB file, from its RESIZEDB record.</summary>
/// <param name="Keys">Keys in the database when the snapshot was taken.</param>
/// <param name="Expires">Of those, keys with a TTL (they may be gone by the time the file is loaded).</param>
public sealed record RdbDatabaseSize(long Keys, long Expires);

/// <summary>What redis-check-rdb found in a file.</summary>
/// <param name="TotalKeys">Keys read.</param>
/// <param name="Databases">Keys per database (from the file's RESIZEDB records).</param>
/// <param name="RedisVersion">The redis-ver aux field.</param>
public sealed record RdbSummary(long TotalKeys, IReadOnlyDictionary<int, RdbDatabaseSize> Databases, string RedisVersion);

/// <summary>
/// Verifies an RDB file with redis-check-rdb (checksum and structure) before anything uses it, and reads the
/// per-database key counts: redis-check-rdb prints where each database starts, and the RESIZEDB record there
/// holds the database's key and expire counts at snapshot time.
/// </summary>
internal static partial class RdbCheck
{
    public static async Task<RdbSummary> RunAsync(string path, CancellationToken cancellationToken)
    {
        var tool = RedisTools.Find("redis-check-rdb");
        await using var check = ProcessRunner.Start(tool, [path], null, new SecretRedactor());
        var output = await new StreamReader(check.Output).ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await check.WaitForExitQuietlyAsync(cancellationToken).ConfigureAwait(false);
        if (check.ExitCode != 0 || !output.Contains("RDB looks OK", StringComparison.Ordinal))
        {
            var tail = string.Join(" | ", (output + "\n" + check.ErrorText).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4));
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "RdbCorrupt", $"redis-check-rdb rejected {Path.GetFileName(path)}: {tail}. Nothing was restored; use another snapshot.") { Target = path };
        }

        var total = KeysRead().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var version = Version().Match(output) is { Success: true } v ? v.Groups[1].Value : "unknown";
        var databases = new Dictionary<int, RdbDatabaseSize>();
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            foreach (Match select in SelectDb().Matches(output))
            {
                var offset = long.Parse(select.Groups[1].Value, CultureInfo.InvariantCulture);
                var db = int.Parse(select.Groups[2].Value, CultureInfo.InvariantCulture);
                databases[db] = ReadResizeDb(file, offset) ?? new RdbDatabaseSize(-1, -1);
            }
        }

        return new RdbSummary(total, databases, version);
    }

    // RESIZEDB (0xFB) followed by two RDB length encodings: keys, then keys with an expiry.
    private static RdbDatabaseSize? ReadResizeDb(FileStream file, long offset)
    {
        file.Position = offset;
        if (file.ReadByte() != 0xFB)
        {
            return null;
        }

        var keys = ReadLength(file);
        var expires = ReadLength(file);
        return keys is null || expires is null ? null : new RdbDatabaseSize(keys.Value, expires.Value);
    }

    private static long? ReadLength(FileStream file)
    {
        var first = file.ReadByte();
        if (first < 0)
        {
            return null;
        }

        switch (first >> 6)
        {
            case 0:
                return first & 0x3F;
            case 1:
                var next = file.ReadByte();
                return next < 0 ? null : ((first & 0x3F) << 8) | next;
            case 2:
                var width = first == 0x80 ? 4 : first == 0x81 ? 8 : 0;
                if (width == 0)
                {
                    return null;
                }

                long value = 0;
                for (var i = 0; i < width; i++)
                {
                    var b = file.ReadByte();
                    if (b < 0)
                    {
                        return null;
                    }

                    value = (value << 8) | (uint)b;
                }

                return value;
            default:
                return null;
        }
    }

    [GeneratedRegex(@"\[offset (\d+)\] Selecting DB ID (\d+)")]
    private static partial Regex SelectDb();

    [GeneratedRegex(@"\[info\] (\d+) keys read")]
    private static partial Regex KeysRead();

    [GeneratedRegex(@"AUX FIELD redis-ver = '([^']*)'")]
    private static partial Regex Version();
}
