using BackupOps.Engine.Connection;
using Npgsql;
using NpgsqlTypes;

namespace BackupOps.Bench;

/// <summary>
/// The seed's schema shape (events, attendees, tickets, transactions, receipts) at a chosen size, deterministic
/// from a seed and not trivially compressible: receipts hold random bytes, transactions random words in jsonb,
/// attendees random names. About 60% of the bytes are receipts.
/// </summary>
internal static class DatasetGenerator
{
    private static readonly string[] Words = [.. Enumerable.Range(0, 4096).Select(i => Convert.ToHexString(BitConverter.GetBytes(i * 2654435761u)).ToLowerInvariant())];

    public static async Task GenerateAsync(PgConnectionSettings settings, int sizeMegabytes, int seed)
    {
        var random = new Random(seed);
        await using var connection = new NpgsqlConnection(settings.ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using (var schema = new NpgsqlCommand("""
            CREATE TABLE events (id bigint PRIMARY KEY, name text NOT NULL, starts_at timestamptz NOT NULL, venue jsonb NOT NULL);
            CREATE TABLE attendees (id bigint PRIMARY KEY, event_id bigint NOT NULL REFERENCES events(id), name text NOT NULL, email text NOT NULL);
            CREATE TABLE tickets (id uuid PRIMARY KEY, attendee_id bigint NOT NULL REFERENCES attendees(id), code text NOT NULL);
            CREATE TABLE transactions (id uuid PRIMARY KEY, ticket_id uuid REFERENCES tickets(id), amount numeric(12,2) NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE receipts (id uuid PRIMARY KEY, transaction_id uuid REFERENCES transactions(id), pdf bytea NOT NULL);
            """, connection))
        {
            await schema.ExecuteNonQueryAsync();
        }

        var bytes = (long)sizeMegabytes << 20;
        var transactions = (int)(bytes * 4 / 10 / 320);
        var receipts = (int)(bytes * 6 / 10 / 16384);
        var events = Math.Max(10, transactions / 2000);
        var attendees = Math.Max(100, transactions / 4);
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
        Guid NewGuid() { var b = new byte[16]; random.NextBytes(b); return new Guid(b); }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY events FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= events; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync((long)i, NpgsqlDbType.Bigint);
                await copy.WriteAsync($"Event {Text(2)}", NpgsqlDbType.Text);
                await copy.WriteAsync(DateTimeOffset.UnixEpoch.AddDays(20000 + i).UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync($"{{\"hall\":{i % 9},\"city\":\"{Text(1)}\"}}", NpgsqlDbType.Jsonb);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY attendees FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= attendees; i++)
            {
                await copy.WriteRowAsync(default, (long)i, 1L + (i % events), Text(2), $"{Text(1)}@{Text(1)}.example");
            }

            await copy.CompleteAsync();
        }

        var ticketIds = new Guid[Math.Max(1, transactions / 2)];
        await using (var copy = await connection.BeginBinaryImportAsync("COPY tickets FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < ticketIds.Length; i++)
            {
                ticketIds[i] = NewGuid();
                await copy.WriteRowAsync(default, ticketIds[i], 1L + (i % attendees), Text(1));
            }

            await copy.CompleteAsync();
        }

        var transactionIds = new Guid[transactions];
        await using (var copy = await connection.BeginBinaryImportAsync("COPY transactions FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < transactions; i++)
            {
                transactionIds[i] = NewGuid();
                await copy.StartRowAsync();
                await copy.WriteAsync(transactionIds[i], NpgsqlDbType.Uuid);
                await copy.WriteAsync(ticketIds[i % ticketIds.Length], NpgsqlDbType.Uuid);
                await copy.WriteAsync((decimal)random.Next(100, 99999) / 100, NpgsqlDbType.Numeric);
                await copy.WriteAsync($"{{\"note\":\"{Text(12)}\",\"channel\":\"{Text(1)}\"}}", NpgsqlDbType.Jsonb);
                await copy.WriteAsync(DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000 + i * 37L).UtcDateTime, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY receipts FROM STDIN (FORMAT BINARY)"))
        {
            var pdf = new byte[16384];
            for (var i = 0; i < receipts; i++)
            {
                random.NextBytes(pdf);
                await copy.WriteRowAsync(default, NewGuid(), transactionIds[i % Math.Max(1, transactions)], pdf);
            }

            await copy.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE", connection);
        await analyze.ExecuteNonQueryAsync();
    }
}
