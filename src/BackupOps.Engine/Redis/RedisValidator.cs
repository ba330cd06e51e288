using System.Globalization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>A queue length expectation, written <c>key=min..max</c> (either bound may be left out).</summary>
/// <param name="Key">The list or stream key.</param>
/// <param name="Minimum">Smallest acceptable length.</param>
/// <param name="Maximum">Largest acceptable length.</param>
public sealed record QueueBound(string Key, long Minimum, long Maximum)
{
    /// <summary>Parses <c>queue:emails=1..1000</c>, <c>queue:emails=5..</c>, <c>queue:emails=..100</c> or <c>queue:emails=12</c>.</summary>
    public static QueueBound Parse(string text)
    {
        var eq = text?.LastIndexOf('=') ?? -1;
        if (eq <= 0)
        {
            throw BackupOpsException.InvalidInput("QueueBoundInvalid", $"The queue check '{text}' has no '='. Write it as key=min..max, for example queue:emails=0..1000.");
        }

        var key = text![..eq];
        var range = text[(eq + 1)..];
        var dots = range.IndexOf("..", StringComparison.Ordinal);
        var (low, high) = dots < 0 ? (range, range) : (range[..dots], range[(dots + 2)..]);
        static long? Number(string s) => s.Length == 0 ? null : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw BackupOpsException.InvalidInput("QueueBoundInvalid", $"'{s}' is not a queue length. Use whole numbers: key=min..max.");
        var min = Number(low) ?? 0;
        var max = Number(high) ?? long.MaxValue;
        return min <= max ? new QueueBound(key, min, max) : throw BackupOpsException.InvalidInput("QueueBoundInvalid", $"In '{text}' the minimum {min} is above the maximum {max}.");
    }
}

/// <summary>Checks a restored Redis against its manifest and the operator's expectations.</summary>
internal static class RedisValidator
{
    public static async Task<List<RestoreCheck>> ValidateAsync(RedisSession session, RedisSnapshotManifest manifest, int database, IReadOnlyList<string> expectKeys, IReadOnlyList<QueueBound> queues)
    {
        var server = session.Server;
        var checks = new List<RestoreCheck>();
        var restored = RedisInfo.Keyspace(await RedisInfo.ReadAsync(server, "keyspace").ConfigureAwait(false));
        foreach (var db in manifest.Databases.Keys.Select(k => int.Parse(k, CultureInfo.InvariantCulture)).Union(restored.Keys).Order())
        {
            var expected = manifest.Databases.GetValueOrDefault(db.ToString(CultureInfo.InvariantCulture));
            var actual = restored.GetValueOrDefault(db);
            if (expected is null || expected.Keys < 0)
            {
                checks.Add(new RestoreCheck($"keys db{db}", expected is null ? CheckOutcome.Failed : CheckOutcome.Warning, expected is null ? $"{actual} keys restored, the snapshot recorded none" : $"{actual} keys restored; the snapshot has no count for this database"));
                continue;
            }

            // Keys with a TTL may legitimately have expired since the snapshot; keys without one may not be missing.
            var lowest = expected.Keys - expected.Expires;
            var passed = actual >= lowest && actual <= expected.Keys;
            checks.Add(new RestoreCheck($"keys db{db}", passed ? CheckOutcome.Passed : CheckOutcome.Failed, actual == expected.Keys ? $"{actual} keys, as recorded" : $"expected {expected.Keys} ({expected.Expires} with a TTL, so at least {lowest}), restored {actual}"));
        }

        var redis = session.Database(database);
        foreach (var key in expectKeys)
        {
            var exists = await redis.KeyExistsAsync(key).ConfigureAwait(false);
            checks.Add(new RestoreCheck($"key {key}", exists ? CheckOutcome.Passed : CheckOutcome.Failed, exists ? $"present in db{database}" : $"missing from db{database}"));
        }

        foreach (var queue in queues)
        {
            var type = await redis.KeyTypeAsync(queue.Key).ConfigureAwait(false);
            long length = type switch
            {
                RedisType.List => await redis.ListLengthAsync(queue.Key).ConfigureAwait(false),
                RedisType.Stream => await redis.StreamLengthAsync(queue.Key).ConfigureAwait(false),
                RedisType.None => 0,
                _ => -1,
            };
            var ok = length >= queue.Minimum && length <= queue.Maximum;
            var range = $"{queue.Minimum}..{(queue.Maximum == long.MaxValue ? string.Empty : queue.Maximum.ToString(CultureInfo.InvariantCulture))}";
            checks.Add(new RestoreCheck($"queue {queue.Key}", ok ? CheckOutcome.Passed : CheckOutcome.Failed, length < 0 ? $"{queue.Key} is a {type}, not a list or stream" : $"length {length}, expected {range}"));
        }

        return checks;
    }
}
