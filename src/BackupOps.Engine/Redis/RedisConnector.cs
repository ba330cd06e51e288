using System.Net.Sockets;
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
        await EnsureListeningAsync(settings).ConfigureAwait(false);
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

    /// <summary>
    /// A plain TCP connect first, so that a refused endpoint fails at once, every time. StackExchange.Redis 2.13 loses
    /// the wake-up of a refused connect now and then: it registers the wait for the first connection only after the
    /// attempt has started, and when that attempt and its immediate retry are both refused before the wait is
    /// registered (or before the endpoint's bridge is assigned), nothing completes it and ConnectAsync sits out the
    /// whole connect timeout (seen as 3 of 40 refused connects taking 5.0 s on the 2-core machine; its log then says
    /// "Not all available tasks completed cleanly ... Task.Status: WaitingForActivation"). Every "is it up yet" loop
    /// (sandbox start, ReplaceLocal restart) paid that 5 s. The kernel's answer to a TCP connect has no such race.
    /// </summary>
    private static async Task EnsureListeningAsync(RedisConnectionSettings settings)
    {
        using var timeout = new CancellationTokenSource(RedisConnectionSettings.ConnectTimeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(settings.Host, settings.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            var why = ex is SocketException { SocketErrorCode: var code } ? code switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                _ => code.ToString(),
            } : $"no answer within {RedisConnectionSettings.ConnectTimeout.TotalSeconds:0} s";
            throw Unreachable(settings, why);
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

    private static BackupOpsException Unreachable(RedisConnectionSettings settings, string? why) =>
        new(BackupOpsErrorKind.ConnectionFailed, "RedisConnectionFailed", $"Could not connect to Redis at {settings.Display}{(why is null ? string.Empty : $" ({why})")}. Check that redis-server is running there and the host and port are right{(settings.Tls ? " (and that it speaks TLS)" : string.Empty)}.") { Target = settings.Display };

    public static BackupOpsException Translate(Exception exception, RedisConnectionSettings settings, SecretRedactor redactor)
    {
        var text = redactor.Redact(exception.ToString());
        if (exception is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } || text.Contains("AuthenticationFailure", StringComparison.Ordinal) || text.Contains("NOAUTH", StringComparison.Ordinal) || text.Contains("WRONGPASS", StringComparison.Ordinal) || text.Contains("invalid password", StringComparison.OrdinalIgnoreCase))
        {
            return new BackupOpsException(BackupOpsErrorKind.AuthenticationFailed, "RedisAuthenticationFailed", $"Redis at {settings.Display} refused the password. Check REDIS_PASSWORD / -Credential (or the URL's password).") { Target = settings.Display };
        }

        if (exception is RedisConnectionException)
        {
            return Unreachable(settings, null);
        }

        return new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisCommandFailed", $"Redis at {settings.Display} failed: {redactor.Redact(exception.Message)}") { Target = settings.Display };
    }
}
