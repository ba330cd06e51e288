using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using Npgsql;

namespace BackupOps.Engine.Catalog;

/// <summary>Reads a database's object counts and row numbers (system schemas and extension members excluded).</summary>
internal static class SchemaReader
{
    private const string UserSchemas = "n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'";
    private const string NotExtensionMember = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')";

    public static async Task<SchemaSummary> ReadAsync(NpgsqlConnection connection, IReadOnlyCollection<string> exactCountTables, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<char, int>();
        var sql = $"""
            SELECT c.relkind, count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchemas} AND c.relkind IN ('r','p','v','m','S') AND {NotExtensionMember} GROUP BY c.relkind
            """;
        await using (var command = new NpgsqlCommand(sql, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetChar(0)] = reader.GetInt32(1);
            }
        }

        var functions = await ScalarIntAsync(connection, $"""
            SELECT count(*)::int FROM pg_proc c JOIN pg_namespace n ON n.oid = c.pronamespace
            WHERE {UserSchemas} AND {NotExtensionMember}
            """, cancellationToken).ConfigureAwait(false);

        var rows = new List<TableRowInfo>();
        await using (var command = new NpgsqlCommand($"""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.reltuples::bigint, pg_table_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchemas} AND c.relkind IN ('r','p') AND {NotExtensionMember} ORDER BY 1
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new TableRowInfo(reader.GetString(0), reader.GetInt64(1), null, reader.GetInt64(2)));
            }
        }

        foreach (var table in exactCountTables)
        {
            var qualified = await ResolveTableAsync(connection, table, cancellationToken).ConfigureAwait(false);
            var exact = await CountRowsAsync(connection, qualified, cancellationToken).ConfigureAwait(false);
            var index = rows.FindIndex(r => r.Name == qualified);
            if (index >= 0)
            {
                rows[index] = rows[index] with { ExactRows = exact };
            }
        }

        return new SchemaSummary
        {
            Tables = counts.GetValueOrDefault('r') + counts.GetValueOrDefault('p'),
            Views = counts.GetValueOrDefault('v'),
            MaterializedViews = counts.GetValueOrDefault('m'),
            Sequences = counts.GetValueOrDefault('S'),
            Functions = functions,
            TableRows = rows,
        };
    }

    /// <summary>Resolves a table name as written by an operator (<c>events</c>, <c>public.events</c>) to its quoted qualified name.</summary>
    public static async Task<string> ResolveTableAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        try
        {
            return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException ex) when (ex.SqlState is "42P01" or "3F000" or "42602")
        {
            throw new BackupOpsException(BackupOpsErrorKind.InvalidInput, "TableNotFound", $"The table '{table}' does not exist in database '{connection.Database}'. Name it as schema.table (for example public.events).") { Target = table };
        }
    }

    /// <summary>Exact COUNT(*) of a table given by its quoted qualified name.</summary>
    public static async Task<long> CountRowsAsync(NpgsqlConnection connection, string qualifiedTable, CancellationToken cancellationToken)
    {
        // qualifiedTable comes from quote_ident above, never from raw input.
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {qualifiedTable}", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<int> ScalarIntAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
