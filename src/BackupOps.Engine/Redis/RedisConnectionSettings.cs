using System.Globalization;
using BackupOps.Engine.Errors;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Where a Redis server is and its password. Parsed from <c>redis://[:password@]host[:port]</c>,
/// <c>rediss://</c> (TLS) or <c>host[:port]</c>; the password may also come from <c>REDIS_PASSWORD</c> or
/// <c>REDISCLI_AUTH</c>. The password reaches redis-cli through its environment only, and is never printed.
/// </summary>
public sealed record RedisConnectionSettings
{
    /// <summary>Default URL variable.</summary>
    public const string UrlVariable = "REDIS_URL";

    /// <summary>Host name or address.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port.</summary>
    public int Port { get; init; } = 6379;

    /// <summary>Password (AUTH); null for none.</summary>
    public string? Password { get; init; }

    /// <summary>Use TLS (<c>rediss://</c>).</summary>
    public bool Tls { get; init; }

    /// <summary>host:port, for messages and manifests.</summary>
    public string Display => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A source name for the store layout when none is given: <c>host-port</c>.</summary>
    public string DefaultSourceName => $"{Host}-{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True when the server runs on this machine (its files can be read directly).</summary>
    public bool IsLocal => Host is "localhost" or "::1" || Host.StartsWith("127.", StringComparison.Ordinal);

    /// <summary>Parses a URL or host:port; null or empty uses REDIS_URL, else 127.0.0.1:6379.</summary>
    public static RedisConnectionSettings Parse(string? text)
    {
        text = string.IsNullOrWhiteSpace(text) ? Environment.GetEnvironmentVariable(UrlVariable) : text;
        var settings = new RedisConnectionSettings();
        if (!string.IsNullOrWhiteSpace(text))
        {
            text = text.Trim();
            if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                {
                    throw BackupOpsException.InvalidInput("RedisUrlInvalid", "The Redis URL could not be parsed. Use redis://host:6379 (password in REDIS_PASSWORD or -Credential).");
                }

                var info = Uri.UnescapeDataString(uri.UserInfo);
                var colon = info.IndexOf(':', StringComparison.Ordinal);
                settings = settings with
                {
                    Host = uri.Host,
                    Port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port,
                    Password = colon >= 0 && colon < info.Length - 1 ? info[(colon + 1)..] : null,
                    Tls = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
                };
            }
            else
            {
                var colon = text.LastIndexOf(':');
                if (colon > 0 && !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw BackupOpsException.InvalidInput("RedisUrlInvalid", $"'{Security.BoundedInput.Shown(text)}' is not host:port or a redis:// URL.");
                }

                settings = colon > 0
                    ? settings with { Host = text[..colon], Port = int.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture) }
                    : settings with { Host = text };
            }
        }

        if (settings.Port is < 1 or > 65535)
        {
            throw BackupOpsException.InvalidInput("RedisUrlInvalid", $"The port {settings.Port} is not a TCP port.");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("REDIS_PASSWORD") ?? Environment.GetEnvironmentVariable("REDISCLI_AUTH");
        return settings.Password is null && !string.IsNullOrEmpty(fromEnvironment) ? settings with { Password = fromEnvironment } : settings;
    }

    /// <summary>Registers the password with a redactor.</summary>
    public void RegisterSecrets(SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        redactor.Add(Password);
    }

    /// <summary>How long a connect may take before it fails (a refused one fails at once).</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>StackExchange.Redis options: admin commands allowed (INFO, BGSAVE, CONFIG, SHUTDOWN), fail fast.</summary>
    internal ConfigurationOptions ToOptions() => new()
    {
        EndPoints = { { Host, Port } },
        Password = Password,
        Ssl = Tls,
        AllowAdmin = true,
        AbortOnConnectFail = true,
        ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds,
        SyncTimeout = 60000,
        ConnectRetry = 1,
        ClientName = "BackupOps",
    };

    /// <summary>Environment and arguments for redis-cli against this server (password via REDISCLI_AUTH, never argv).</summary>
    internal (IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment) ForRedisCli()
    {
        var arguments = new List<string> { "-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning" };
        if (Tls)
        {
            arguments.Add("--tls");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Password is not null)
        {
            environment["REDISCLI_AUTH"] = Password;
        }

        return (arguments, environment);
    }
}
