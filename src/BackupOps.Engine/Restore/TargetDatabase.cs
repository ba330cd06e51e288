using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using Npgsql;

namespace BackupOps.Engine.Restore;

/// <summary>Inspects, creates, swaps and drops the databases a restore writes, through the server's maintenance database.</summary>
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
    /// Creates the database, then comments it with what it is (for leftovers: <see cref="Leftovers.LeftoverDatabases"/>).
    /// CREATE DATABASE cannot share a transaction with the comment; a kill between the two leaves a database whose
    /// name the run record announced beforehand, which is how prune still knows it as BackupOps'.
    /// </summary>
    public async Task CreateAsync(string? comment, Func<Task> afterCreate, CancellationToken cancellationToken)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(admin, $"CREATE DATABASE {Quote(admin, Name)}", $"Creating database {Name}", "have the CREATEDB privilege", cancellationToken).ConfigureAwait(false);
        await afterCreate().ConfigureAwait(false);
        if (comment is not null)
        {
            await ExecuteAsync(admin, $"COMMENT ON DATABASE {Quote(admin, Name)} IS {Literal(admin, comment)}", $"Commenting database {Name}", "own the database", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts this (complete, verified) database in place of <paramref name="target"/> in one transaction: the old target
    /// (when there is one) is renamed to <paramref name="replacedName"/> and this database renamed to the target's name.
    /// PostgreSQL renames databases transactionally, so at every instant the target name holds either the old database
    /// or the new one: a kill at any point rolls back or has committed, and what is left is named for what it holds.
    /// Sessions on the old target are ended first (what --force promised); a session that sneaks in is retried.
    /// </summary>
    public async Task SwapInAsync(string target, bool targetExists, string replacedName, string targetComment, string replacedComment, Func<Task> afterOldMovedAside)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, CancellationToken.None).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await admin.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (targetExists)
                {
                    // PostgreSQL 14+ waits (up to 5 s) until each session has really gone.
                    var terminate = admin.PostgreSqlVersion.Major >= 14 ? "pg_terminate_backend(pid, 5000)" : "pg_terminate_backend(pid)";
                    await ExecuteAsync(admin, $"SELECT {terminate} FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", $"Ending the sessions on {target}", "be allowed to end them (pg_signal_backend)", CancellationToken.None, target).ConfigureAwait(false);
                    await ExecuteAsync(admin, $"ALTER DATABASE {Quote(admin, target)} RENAME TO {Quote(admin, replacedName)}", $"Renaming database {target} to {replacedName}", "own the database", CancellationToken.None).ConfigureAwait(false);
                    await CommentQuietlyAsync(admin, transaction, replacedName, replacedComment).ConfigureAwait(false);
                    await afterOldMovedAside().ConfigureAwait(false);
                }

                await ExecuteAsync(admin, $"ALTER DATABASE {Quote(admin, Name)} RENAME TO {Quote(admin, target)}", $"Renaming database {Name} to {target}", "own the database", CancellationToken.None).ConfigureAwait(false);
                await CommentQuietlyAsync(admin, transaction, target, targetComment).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (BackupOpsException ex) when (ex.InnerException is PostgresException { SqlState: "55006" } && attempt < 3)
            {
                // "being accessed by other users": a session reconnected between the terminate and the rename.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var admin = await PgConnector.OpenAsync(Maintenance, cancellationToken).ConfigureAwait(false);
        // WITH (FORCE) (PostgreSQL 13+) ends sessions still connected to it, such as a killed pg_restore's.
        var force = admin.PostgreSqlVersion.Major >= 13 ? " WITH (FORCE)" : string.Empty;
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Quote(admin, Name)}{force}", $"Dropping database {Name}", "own the database", cancellationToken).ConfigureAwait(false);
    }

    // A comment is a label, not the swap: where the role may not comment on a database it does not own, the swap
    // goes on without it (a savepoint keeps the transaction alive).
    private static async Task CommentQuietlyAsync(NpgsqlConnection admin, NpgsqlTransaction transaction, string database, string comment)
    {
        await transaction.SaveAsync("comment", CancellationToken.None).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand($"COMMENT ON DATABASE {Quote(admin, database)} IS {Literal(admin, comment)}", admin);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            await transaction.ReleaseAsync("comment", CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            await transaction.RollbackAsync("comment", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Quote(NpgsqlConnection connection, string identifier)
    {
        using var command = new NpgsqlCommand("SELECT quote_ident($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = identifier });
        return (string)command.ExecuteScalar()!;
    }

    private static string Literal(NpgsqlConnection connection, string text)
    {
        using var command = new NpgsqlCommand("SELECT quote_literal($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = text });
        return (string)command.ExecuteScalar()!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string what, string privilege, CancellationToken cancellationToken, string? parameter = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

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
