using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using Npgsql;

namespace BackupOps.Engine.Restore;

/// <summary>Inspects, creates and drops the database a restore writes into, through the server's maintenance database.</summary>
internal sealed class TargetDatabase(PgConnectionSettings server, string name)
{
    public string Name { get; } = name;

    private PgConnectionSettings Maintenance => server.WithDatabase("postgres");

    /// <summary>Null when the database does not exist; otherwise the number of user relations and functions in it.</summary>
    public async Task<long?> CountUserObjectsAsync(CancellationToken cancellationToken)
    {
        await using (var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false))
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = Name });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }
        }

        await using var target = await PgConnector.OpenAsync(server.WithDatabase(Name), cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')
                 + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname NOT IN ('pg_catalog','information_schema'))
            """, target);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The database a restore fills before it is renamed to <paramref name="target"/>: recognisable (a killed restore
    /// leaves <c>&lt;target&gt;_restoring_&lt;id&gt;</c>, safe to drop) and within PostgreSQL's 63-byte names.
    /// </summary>
    public static string ScratchName(string target)
    {
        var prefix = target;
        while (System.Text.Encoding.UTF8.GetByteCount(prefix) > 40)
        {
            prefix = prefix[..^1];
        }

        return $"{prefix}_restoring_{Guid.NewGuid().ToString("N")[..6]}";
    }

    public async Task RenameToAsync(string newName, CancellationToken cancellationToken)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(admin, $"ALTER DATABASE {Quote(admin, Name)} RENAME TO {Quote(admin, newName)}", $"Renaming database {Name} to {newName}", "own the database", cancellationToken).ConfigureAwait(false);
    }

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(admin, $"CREATE DATABASE {Quote(admin, Name)}", $"Creating database {Name}", "have the CREATEDB privilege", cancellationToken).ConfigureAwait(false);
    }

    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false);
        // WITH (FORCE) (PostgreSQL 13+) ends sessions still connected to it, such as a killed pg_restore's.
        var force = admin.PostgreSqlVersion.Major >= 13 ? " WITH (FORCE)" : string.Empty;
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Quote(admin, Name)}{force}", $"Dropping database {Name}", "own the database", cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(NpgsqlConnection connection, string identifier)
    {
        using var command = new NpgsqlCommand("SELECT quote_ident($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = identifier });
        return (string)command.ExecuteScalar()!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string what, string privilege, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "TargetDatabaseFailed", $"{what} failed ({ex.SqlState}): {ex.MessageText}. The connecting user must {privilege}.", ex);
        }
    }
}
