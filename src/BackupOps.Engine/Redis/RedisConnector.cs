using BackupOps.Engine.Errors;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>Connects to Redis and turns client failures into clear errors without secrets.</summary>
internal static class RedisConnector
{
    public static async Task<RedisSession> ConnectAsync(RedisConnectionSettings settings)
    {
        var redactor = new SecretRedactor();
        settings.RegisterSecrets(redactor);
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(settings.ToOptions()).ConfigureAwait(false);
            return new RedisSession(connection, Server(connection, settings));
        }
        catch (RedisConnectionException ex)
        {
            throw Translate(ex, settings, redactor);
        }
    }

    /// <summary>True when something accepts a Redis connection at the endpoint (a refused connect fails at once).</summary>
    public static async Task<bool> AnswersAsync(RedisConnectionSettings settings)
    {
        try
        {
            using var session = await ConnectAsync(settings).ConfigureAwait(false);
            return true;
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "RedisConnectionFailed")
        {
            return false;
        }
    }

    /// <summary>True when the server answers and has finished loading its dataset (INFO persistence says loading:0).</summary>
    public static async Task<bool> IsLoadedAsync(RedisConnectionSettings settings)
    {
        try
        {
            using var session = await ConnectAsync(settings).ConfigureAwait(false);
            var info = await RedisInfo.ReadAsync(session.Server, "persistence").ConfigureAwait(false);
            return info.TryGetValue("loading", out var loading) && loading == "0";
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "RedisConnectionFailed")
        {
            return false;
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("LOADING", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private static IServer Server(ConnectionMultiplexer connection, RedisConnectionSettings settings) =>
        connection.GetServer(connection.GetEndPoints()[0]) ?? throw new BackupOpsException(BackupOpsErrorKind.ConnectionFailed, "RedisConnectionFailed", $"No Redis server at {settings.Display}.");

    public static BackupOpsException Translate(Exception exception, RedisConnectionSettings settings, SecretRedactor redactor)
    {
        var text = redactor.Redact(exception.ToString());
        if (exception is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } || text.Contains("AuthenticationFailure", StringComparison.Ordinal) || text.Contains("NOAUTH", StringComparison.Ordinal) || text.Contains("WRONGPASS", StringComparison.Ordinal) || text.Contains("invalid password", StringComparison.OrdinalIgnoreCase))
        {
            return new BackupOpsException(BackupOpsErrorKind.AuthenticationFailed, "RedisAuthenticationFailed", $"Redis at {settings.Display} refused the password. Check REDIS_PASSWORD / -Credential (or the URL's password).") { Target = settings.Display };
        }

        if (exception is RedisConnectionException)
        {
            return new BackupOpsException(BackupOpsErrorKind.ConnectionFailed, "RedisConnectionFailed", $"Could not connect to Redis at {settings.Display}. Check that redis-server is running there and the host and port are right{(settings.Tls ? " (and that it speaks TLS)" : string.Empty)}.") { Target = settings.Display };
        }

        return new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisCommandFailed", $"Redis at {settings.Display} failed: {redactor.Redact(exception.Message)}") { Target = settings.Display };
    }
}
