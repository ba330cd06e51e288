using System.Net.Sockets;
using BackupOps.Engine.Errors;
using Npgsql;

namespace BackupOps.Engine.Connection;

/// <summary>Opens Npgsql connections and turns driver failures into operator-facing errors without secrets.</summary>
public static class PgConnector
{
    /// <summary>Opens a connection to <paramref name="settings"/>; failures become <see cref="BackupOpsException"/>.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(PgConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var connection = new NpgsqlConnection(settings.ToNpgsqlConnectionString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(ex, settings);
        }
    }

    /// <summary>Maps a driver exception to a clear error that names the fix.</summary>
    public static BackupOpsException Translate(Exception exception, PgConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(settings);
        var where = settings.Display;
        var redactor = new SecretRedactor();
        settings.RegisterSecrets(redactor);

        if (exception is PostgresException pg)
        {
            return pg.SqlState switch
            {
                "28P01" or "28000" => new BackupOpsException(
                    BackupOpsErrorKind.AuthenticationFailed,
                    "PgAuthenticationFailed",
                    $"PostgreSQL refused the credentials for {where} ({pg.SqlState}). Check the user and password (-Credential, PGPASSWORD or ~/.pgpass) and pg_hba.conf.") { Target = where },
                "3D000" => new BackupOpsException(
                    BackupOpsErrorKind.NotFound,
                    "PgDatabaseNotFound",
                    $"The database '{settings.Database}' does not exist on {settings.Host}:{settings.Port}. Check the database name in the connection string.") { Target = settings.Database },
                _ => new BackupOpsException(
                    BackupOpsErrorKind.OperationFailed,
                    "PgServerError",
                    $"PostgreSQL at {where} reported {pg.SqlState}: {redactor.Redact(pg.MessageText)}") { Target = where },
            };
        }

        var socket = FindInner<SocketException>(exception);
        if (socket is not null)
        {
            var hint = socket.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
                ? $"The host '{settings.Host}' could not be resolved. Check the host name in the connection string."
                : $"Nothing answered at {settings.Host}:{settings.Port} ({socket.SocketErrorCode}). Check that PostgreSQL is running and the host and port are right.";
            return new BackupOpsException(BackupOpsErrorKind.ConnectionFailed, "PgConnectionFailed", hint) { Target = where };
        }

        if (FindInner<TimeoutException>(exception) is not null)
        {
            return new BackupOpsException(
                BackupOpsErrorKind.ConnectionFailed,
                "PgConnectionTimeout",
                $"Connecting to {settings.Host}:{settings.Port} timed out after 15 s. Check the host, port and firewall.") { Target = where };
        }

        return new BackupOpsException(
            BackupOpsErrorKind.ConnectionFailed,
            "PgConnectionFailed",
            $"Could not connect to {where}: {redactor.Redact(exception.Message)}") { Target = where };
    }

    private static T? FindInner<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }
}
