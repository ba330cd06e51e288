using System.Text;
using BackupOps.Engine.Errors;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// The logical snapshot format (<c>.rdx</c>) for managed Redis without BGSAVE/SYNC (Upstash and friends):
/// every key read with SCAN + DUMP + PEXPIRETIME-equivalent, restored with RESTORE ... ABSTTL so keys expire at
/// the same moment as in the source. Little-endian, streamed:
/// <code>
/// "BOPSRDX1"                                         8-byte magic
/// repeated: 0x01 | int32 db | int32 keyLength | key | int64 expireAtUnixMs (-1: none) | int32 dumpLength | DUMP payload
/// end:      0x02 | int64 recordCount
/// </code>
/// A DUMP payload carries Redis's own version tag and CRC64, so RESTORE rejects a damaged or foreign payload.
/// </summary>
public static class LogicalExport
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("BOPSRDX1");
    private const byte KeyRecord = 0x01;
    private const byte EndRecord = 0x02;
    private const int Batch = 256;

    /// <summary>Writes every key of every database with keys; returns keys (and keys with a TTL) per database.</summary>
    public static async Task<Dictionary<int, RedisDatabaseKeys>> ExportAsync(ConnectionMultiplexer connection, IServer server, IEnumerable<int> databases, Stream output, Action<long>? onKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(server);
        using var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        var counts = new Dictionary<int, RedisDatabaseKeys>();
        long records = 0;
        foreach (var db in databases.Order())
        {
            var database = connection.GetDatabase(db);
            long keys = 0, expiring = 0;
            foreach (var chunk in server.Keys(db, pageSize: 1000).Chunk(Batch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var dumps = chunk.Select(k => database.KeyDumpAsync(k)).ToArray();
                var ttls = chunk.Select(k => database.KeyTimeToLiveAsync(k)).ToArray();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                for (var i = 0; i < chunk.Length; i++)
                {
                    var dump = await dumps[i].ConfigureAwait(false);
                    var ttl = await ttls[i].ConfigureAwait(false);
                    if (dump is null)
                    {
                        continue; // expired or deleted between SCAN and DUMP
                    }

                    byte[] key = chunk[i]!;
                    writer.Write(KeyRecord);
                    writer.Write(db);
                    writer.Write(key.Length);
                    writer.Write(key);
                    writer.Write(ttl is { } left ? now + (long)left.TotalMilliseconds : -1L);
                    writer.Write(dump.Length);
                    writer.Write(dump);
                    keys++;
                    expiring += ttl is null ? 0 : 1;
                    records++;
                    onKey?.Invoke(records);
                }

                writer.Flush();
            }

            if (keys > 0)
            {
                counts[db] = new RedisDatabaseKeys(keys, expiring);
            }
        }

        writer.Write(EndRecord);
        writer.Write(records);
        writer.Flush();
        return counts;
    }

    /// <summary>Restores every record with RESTORE ... ABSTTL [REPLACE]; returns the number of keys restored.</summary>
    public static async Task<long> ImportAsync(ConnectionMultiplexer connection, Stream input, bool replace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var reader = new BinaryReader(input, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "RedisExportInvalid", "The file is not a BackupOps logical Redis export (bad header).");
        }

        // RESTORE key ttl payload ABSTTL [REPLACE]: the client's KeyRestore has no ABSTTL or REPLACE, so the command is sent as is.
        object[] options = replace ? ["ABSTTL", "REPLACE"] : ["ABSTTL"];
        long restored = 0;
        var pending = new List<Task>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var marker = reader.ReadByte();
            if (marker == EndRecord)
            {
                var expected = reader.ReadInt64();
                await Task.WhenAll(pending).ConfigureAwait(false);
                return expected == restored
                    ? restored
                    : throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "RedisExportInvalid", $"The export says {expected} keys but {restored} were read.");
            }

            if (marker != KeyRecord)
            {
                throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "RedisExportInvalid", $"Unexpected record marker 0x{marker:X2} after {restored} keys.");
            }

            var db = reader.ReadInt32();
            var key = reader.ReadBytes(reader.ReadInt32());
            var expireAt = reader.ReadInt64();
            var dump = reader.ReadBytes(reader.ReadInt32());
            var ttl = expireAt < 0 ? 0 : Math.Max(1, expireAt);
            pending.Add(connection.GetDatabase(db).ExecuteAsync("RESTORE", [(RedisKey)key, ttl, dump, .. options]));
            restored++;
            if (pending.Count >= Batch)
            {
                await Task.WhenAll(pending).ConfigureAwait(false);
                pending.Clear();
            }
        }
    }
}
