using Npgsql;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A database shaped like the seed's (events, attendees, transactions) with constraints, indexes, a sequence,
/// a view, a materialized view, a function, and a table of incompressible bytes, plus a fingerprint
/// (row count and content hash per table) to compare a restore with its source.
/// </summary>
public static class SampleDatabase
{
    public const string Schema = """
        CREATE SEQUENCE ticket_number_seq START 1000;
        CREATE TABLE events (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            starts_at timestamptz NOT NULL,
            venue jsonb NOT NULL DEFAULT '{}'::jsonb,
            CONSTRAINT events_name_not_blank CHECK (length(name) > 0));
        CREATE TABLE attendees (
            id bigserial PRIMARY KEY,
            event_id bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            email text NOT NULL,
            ticket_number bigint NOT NULL DEFAULT nextval('ticket_number_seq'),
            UNIQUE (event_id, email));
        CREATE INDEX attendees_email_idx ON attendees (lower(email));
        CREATE TABLE transactions (
            id uuid PRIMARY KEY,
            attendee_id bigint REFERENCES attendees(id),
            amount numeric(12,2) NOT NULL CHECK (amount >= 0),
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE receipts (id bigint PRIMARY KEY, transaction_id uuid REFERENCES transactions(id), pdf bytea NOT NULL);
        CREATE VIEW event_attendance AS SELECT e.id, e.name, count(a.id) AS attendees FROM events e LEFT JOIN attendees a ON a.event_id = e.id GROUP BY e.id, e.name;
        CREATE MATERIALIZED VIEW revenue AS SELECT date_trunc('day', created_at) AS day, sum(amount) AS total FROM transactions GROUP BY 1;
        CREATE FUNCTION attendee_count(p_event bigint) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM attendees WHERE event_id = p_event $$;
        """;

    public static readonly string[] Tables = ["public.events", "public.attendees", "public.transactions", "public.receipts"];

    /// <summary>Fills the database; <paramref name="incompressibleMegabytes"/> of random bytes go into receipts.</summary>
    public static async Task SeedAsync(PostgresServer server, string database, int incompressibleMegabytes = 4, int seed = 42)
    {
        await server.ExecuteAsync(database, Schema);
        await server.ExecuteAsync(database, """
            INSERT INTO events (name, starts_at, venue)
              SELECT 'Event ' || g, timestamptz '2026-01-01' + g * interval '1 day', jsonb_build_object('hall', g % 7, 'city', 'Town ' || (g % 13)) FROM generate_series(1, 200) g;
            INSERT INTO attendees (event_id, email) SELECT 1 + (g % 200), 'person' || g || '@example.test' FROM generate_series(1, 5000) g;
            INSERT INTO transactions (id, attendee_id, amount, created_at)
              SELECT md5('tx' || g)::uuid, 1 + (g % 5000), (g % 977) / 3.0, timestamptz '2026-02-01' + g * interval '7 minutes' FROM generate_series(1, 8000) g;
            REFRESH MATERIALIZED VIEW revenue;
            """);

        var random = new Random(seed);
        await using var connection = new NpgsqlConnection(server.Settings(database).ToNpgsqlConnectionString());
        await connection.OpenAsync();
        const int chunk = 64 * 1024;
        var rows = incompressibleMegabytes * 1024 * 1024 / chunk;
        for (var i = 0; i < rows; i++)
        {
            var bytes = new byte[chunk];
            random.NextBytes(bytes);
            await using var insert = new NpgsqlCommand("INSERT INTO receipts (id, transaction_id, pdf) VALUES ($1, md5('tx' || $1)::uuid, $2)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = (long)(i + 1) });
            insert.Parameters.Add(new NpgsqlParameter { Value = bytes });
            await insert.ExecuteNonQueryAsync();
        }

        await server.ExecuteAsync(database, "ANALYZE");
    }

    /// <summary>Row count and md5 of the ordered content of every sample table.</summary>
    public static async Task<Dictionary<string, string>> FingerprintAsync(PostgresServer server, string database)
    {
        var result = new Dictionary<string, string>();
        foreach (var table in Tables)
        {
            var value = await server.ScalarAsync(database, $"SELECT count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {table} t");
            result[table] = (string)value!;
        }

        result["sequence"] = (await server.ScalarAsync(database, "SELECT last_value::text FROM ticket_number_seq"))!.ToString()!;
        result["function"] = (await server.ScalarAsync(database, "SELECT attendee_count(5)::text"))!.ToString()!;
        result["view"] = (await server.ScalarAsync(database, "SELECT sum(attendees)::text FROM event_attendance"))!.ToString()!;
        return result;
    }
}
