using System.Globalization;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>INFO sections as a flat dictionary, and the keyspace as keys per database.</summary>
internal static class RedisInfo
{
    public static async Task<Dictionary<string, string>> ReadAsync(IServer server, string? section = null)
    {
        var groups = await server.InfoAsync(section).ConfigureAwait(false);
        return groups.SelectMany(g => g).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
    }

    /// <summary>Keys per database from <c>db0:keys=1,expires=0,...</c> lines.</summary>
    public static Dictionary<int, long> Keyspace(Dictionary<string, string> info)
    {
        var result = new Dictionary<int, long>();
        foreach (var (name, value) in info.Where(p => p.Key.StartsWith("db", StringComparison.Ordinal)))
        {
            if (int.TryParse(name[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                var keys = value.Split(',').Select(part => part.Split('=')).FirstOrDefault(kv => kv[0] == "keys");
                if (keys is { Length: 2 } && long.TryParse(keys[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    result[db] = count;
                }
            }
        }

        return result;
    }

    public static long Long(Dictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
