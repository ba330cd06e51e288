using StackExchange.Redis;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>Keys of every common type, in two databases, and a fingerprint (type, DUMP payload, TTL) to compare restores with.</summary>
public static class RedisSampleData
{
    public static async Task SeedAsync(RedisTestConnection connection, int bulkKeys = 200)
    {
        var db0 = connection.GetDatabase(0);
        await db0.StringSetAsync("config:feature", "on");
        await db0.StringSetAsync("session:abc", "user-17", TimeSpan.FromHours(2));
        await db0.HashSetAsync("user:17", [new HashEntry("name", "Ana"), new HashEntry("email", "ana@example.test"), new HashEntry("visits", 42)]);
        await db0.ListRightPushAsync("queue:emails", Enumerable.Range(1, 37).Select(i => (RedisValue)$"mail-{i}").ToArray());
        await db0.SetAddAsync("tags:event:5", ["vip", "early", "student"]);
        await db0.SortedSetAddAsync("leaderboard", [new SortedSetEntry("ana", 120.5), new SortedSetEntry("ben", 99), new SortedSetEntry("cy", 130)]);
        for (var i = 0; i < 12; i++)
        {
            await db0.StreamAddAsync("stream:scans", "event", $"scan-{i}");
        }

        var db3 = connection.GetDatabase(3);
        for (var i = 0; i < bulkKeys; i++)
        {
            await db3.StringSetAsync($"ratelimit:{i}", i, i % 4 == 0 ? new Expiration(TimeSpan.FromMinutes(30)) : Expiration.Default);
        }
    }

    // A canonical value per type: DUMP payloads of sets and hashes depend on hash-table order, which a reload may change.
    private const string CanonicalValue = """
        local t = redis.call('TYPE', KEYS[1])['ok']
        local v
        if t == 'string' then v = redis.call('GET', KEYS[1])
        elseif t == 'list' then v = table.concat(redis.call('LRANGE', KEYS[1], 0, -1), ',')
        elseif t == 'set' then local m = redis.call('SMEMBERS', KEYS[1]); table.sort(m); v = table.concat(m, ',')
        elseif t == 'zset' then v = table.concat(redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), ',')
        elseif t == 'hash' then
          local h = redis.call('HGETALL', KEYS[1]); local pairs = {}
          for i = 1, #h, 2 do pairs[#pairs + 1] = h[i] .. '=' .. h[i + 1] end
          table.sort(pairs); v = table.concat(pairs, ',')
        elseif t == 'stream' then
          local entries = redis.call('XRANGE', KEYS[1], '-', '+'); local parts = {}
          for _, e in ipairs(entries) do parts[#parts + 1] = e[1] .. ':' .. table.concat(e[2], '/') end
          v = table.concat(parts, ',')
        end
        return t .. '|' .. v
        """;

    /// <summary>db/key → type|canonical value|has TTL.</summary>
    public static async Task<Dictionary<string, string>> FingerprintAsync(RedisTestConnection connection)
    {
        var result = new Dictionary<string, string>();
        var server = connection.Server;
        foreach (var dbNumber in new[] { 0, 3 })
        {
            var db = connection.GetDatabase(dbNumber);
            foreach (var key in server.Keys(dbNumber, pageSize: 1000))
            {
                var value = (string)(await db.ScriptEvaluateAsync(CanonicalValue, [key]))!;
                var ttl = await db.KeyTimeToLiveAsync(key);
                result[$"{dbNumber}/{key}"] = $"{value}|{(ttl is null ? "no ttl" : "ttl")}";
            }
        }

        return result;
    }

    /// <summary>Remaining TTLs, to check a restore kept them (they may only have run down, by at most the time between).</summary>
    public static async Task<Dictionary<string, TimeSpan>> TtlsAsync(RedisTestConnection connection)
    {
        var result = new Dictionary<string, TimeSpan>();
        var server = connection.Server;
        foreach (var dbNumber in new[] { 0, 3 })
        {
            foreach (var key in server.Keys(dbNumber, pageSize: 1000))
            {
                if (await connection.GetDatabase(dbNumber).KeyTimeToLiveAsync(key) is { } ttl)
                {
                    result[$"{dbNumber}/{key}"] = ttl;
                }
            }
        }

        return result;
    }
}
