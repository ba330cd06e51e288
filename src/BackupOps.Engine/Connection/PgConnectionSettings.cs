using System.Globalization;
using BackupOps.Engine.Errors;
using Npgsql;

namespace BackupOps.Engine.Connection;

/// <summary>
/// Where and as whom to connect to PostgreSQL. Parsed from a <c>postgresql://</c> URL or a libpq
/// <c>key=value</c> string; the password is kept apart so it can be handed to child processes through
/// the environment only, never on a command line, and never printed.
/// </summary>
public sealed record PgConnectionSettings
{
    /// <summary>Server host name or address.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Server TCP port.</summary>
    public int Port { get; init; } = 5432;

    /// <summary>Database name ("postgres" when the connection named none; see <see cref="DatabaseGiven"/>).</summary>
    public string Database { get; init; } = "postgres";

    /// <summary>
    /// False when the URL or key=value string named no database: <see cref="Database"/> then holds the maintenance
    /// database "postgres", fine for reaching a server (restore targets, WAL setup) but not for choosing what to dump.
    /// </summary>
    public bool DatabaseGiven { get; init; } = true;

    /// <summary>User name; null lets libpq and Npgsql use their defaults (PGUSER, the OS user).</summary>
    public string? Username { get; init; }

    /// <summary>Password; null lets PGPASSWORD and .pgpass apply.</summary>
    public string? Password { get; init; }

    /// <summary>libpq sslmode (disable, prefer, require, verify-ca, verify-full); null for the default.</summary>
    public string? SslMode { get; init; }

    /// <summary>
    /// True for a connection the operator gave (the default): its tools may use the operator's PGPASSWORD and libpq
    /// settings. False for BackupOps' own disposable servers, which must never receive them.
    /// </summary>
    public bool FromOperator { get; init; } = true;

    /// <summary>A display form without the password: <c>postgresql://user@host:port/db</c>.</summary>
    public string Display => $"postgresql://{(Username is null ? string.Empty : Username + "@")}{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/{Database}";

    /// <summary>The same server, another database.</summary>
    public PgConnectionSettings WithDatabase(string database) => this with { Database = database, DatabaseGiven = true };

    /// <summary>
    /// The database a backup dumps: the one the connection names, else PGDATABASE (libpq's next source; the caller
    /// says so in its output); with neither, pg_dump would silently dump the maintenance database "postgres", so it is
    /// refused naming the connection and the fix. Returns the settings and whether PGDATABASE supplied the name.
    /// </summary>
    public (PgConnectionSettings Settings, bool FromPgDatabase) ForDump()
    {
        if (DatabaseGiven)
        {
            return (this, false);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("PGDATABASE");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return (Checked(WithDatabase(fromEnvironment.Trim())), true);
        }

        var server = $"postgresql://{(Username is null ? string.Empty : Username + "@")}{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
        throw BackupOpsException.InvalidInput(
            "PgDatabaseMissing",
            $"The connection {server} names no database, so pg_dump would back up the maintenance database 'postgres'. Add the database: {server}/DBNAME (or dbname=DBNAME), or set PGDATABASE.");
    }

    /// <summary>Registers the password with a redactor.</summary>
    public void RegisterSecrets(SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        redactor.Add(Password);
    }

    /// <summary>
    /// Parses a connection string. Accepts <c>postgresql://</c> / <c>postgres://</c> URLs and libpq
    /// <c>key=value</c> pairs (host, port, dbname, user, password, sslmode; Npgsql spellings too).
    /// </summary>
    public static PgConnectionSettings Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw BackupOpsException.InvalidInput(
                "PgConnectionMissing",
                "No PostgreSQL connection was given. Pass -ConnectionString / --database-url (postgresql://user@host:5432/db) or set DATABASE_URL.");
        }

        var text = connectionString.Trim();
        if (text.Length > MaximumConnectionStringLength)
        {
            throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"The PostgreSQL connection is {text.Length} characters long; a real one is under {MaximumConnectionStringLength}. Use postgresql://user@host:5432/database.");
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && !text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !text[..schemeEnd].Contains('=', StringComparison.Ordinal))
        {
            // Read as key=value pairs, mysql://... only said "a part without '='".
            throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"The connection's scheme '{Security.BoundedInput.Shown(text[..schemeEnd], 20)}://' is not PostgreSQL's. Use postgresql://user@host:5432/database (or postgres://), or key=value pairs such as 'host=db1 dbname=app user=backup'.");
        }

        return Checked(text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? ParseUrl(text)
            : ParseKeyValue(text));
    }

    /// <summary>The port written in a URL's authority (after the user info, after the host), or null when there is none.</summary>
    private static string? UrlPort(string text)
    {
        var authority = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = authority.IndexOfAny(['/', '?']);
        authority = end < 0 ? authority : authority[..end];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        var colon = authority.StartsWith('[') ? authority.IndexOf("]:", StringComparison.Ordinal) + 1 : authority.LastIndexOf(':');
        return colon <= 0 ? null : authority[(colon + 1)..];
    }

    private const int MaximumConnectionStringLength = 4096;

    // PostgreSQL names are at most 63 bytes (NAMEDATALEN - 1); a longer one is cut by the server or overflows libpq's startup packet.
    private const int MaximumNameBytes = 63;

    private static readonly string[] SslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

    /// <summary>Refuses what libpq or the server would refuse later, or silently change: each error names the value and the fix.</summary>
    private static PgConnectionSettings Checked(PgConnectionSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Host) || Security.BoundedInput.HasControl(settings.Host) || settings.Host.Length > 255)
        {
            throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"The PostgreSQL host '{Security.BoundedInput.Shown(settings.Host)}' is empty or not a host name. Give host=NAME (or postgresql://user@NAME:5432/db).");
        }

        foreach (var (what, value) in new[] { ("database", settings.Database), ("user", settings.Username) })
        {
            if (value is null)
            {
                continue;
            }

            if (value.Length == 0 || Security.BoundedInput.HasControl(value) || System.Text.Encoding.UTF8.GetByteCount(value) > MaximumNameBytes)
            {
                throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"The {what} name '{Security.BoundedInput.Shown(value)}' is empty, longer than PostgreSQL's {MaximumNameBytes} bytes, or holds a control character (such as %00). Give the {what} as PostgreSQL knows it.");
            }
        }

        return settings.SslMode is not null && !SslModes.Contains(settings.SslMode, StringComparer.Ordinal)
            ? throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"sslmode '{Security.BoundedInput.Shown(settings.SslMode)}' is not one of {string.Join(", ", SslModes)}.")
            : settings;
    }

    private static PgConnectionSettings ParseUrl(string text)
    {
        if (UrlPort(text) is { Length: > 0 } port)
        {
            _ = ParsePort(port); // a port of 0, 99999 or abc names itself, instead of "could not be parsed" or a silent 5432
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw BackupOpsException.InvalidInput(
                "PgConnectionInvalid",
                "The PostgreSQL URL could not be parsed. Use the form postgresql://user@host:5432/database (put the password in PGPASSWORD, .pgpass or -Credential).");
        }

        string? user = null, password = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var settings = new PgConnectionSettings
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = string.IsNullOrEmpty(database) ? "postgres" : database,
            DatabaseGiven = !string.IsNullOrEmpty(database),
            Username = string.IsNullOrEmpty(user) ? null : user,
            Password = string.IsNullOrEmpty(password) ? null : password,
        };

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                settings = settings.Apply(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..]));
            }
        }

        return settings;
    }

    private static PgConnectionSettings ParseKeyValue(string text)
    {
        var settings = new PgConnectionSettings { DatabaseGiven = false };
        foreach (var (key, value) in SplitKeyValue(text))
        {
            settings = settings.Apply(key, value);
        }

        return settings;
    }

    private static IEnumerable<(string Key, string Value)> SplitKeyValue(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ';'))
            {
                i++;
            }

            if (i >= text.Length)
            {
                yield break;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                throw BackupOpsException.InvalidInput(
                    "PgConnectionInvalid",
                    $"The connection string has a part without '=' near position {i}. Use key=value pairs such as 'host=db1 port=5432 dbname=app user=backup' or a postgresql:// URL.");
            }

            var key = text[i..eq].Trim();
            i = eq + 1;
            var value = new System.Text.StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                while (i < text.Length && text[i] != '\'')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != ';')
                {
                    value.Append(text[i++]);
                }
            }

            yield return (key, value.ToString());
        }
    }

    private PgConnectionSettings Apply(string key, string value) => key.ToUpperInvariant() switch
    {
        "HOST" or "SERVER" => this with { Host = value },
        "PORT" => this with { Port = ParsePort(value) },
        "DBNAME" or "DATABASE" => this with { Database = value, DatabaseGiven = true },
        "USER" or "USERNAME" or "USER ID" or "UID" => this with { Username = value },
        "PASSWORD" or "PWD" => this with { Password = value },
        "SSLMODE" or "SSL MODE" => this with { SslMode = value.ToLowerInvariant() },
        "CONNECT_TIMEOUT" or "TIMEOUT" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 3600
            ? this
            : throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"connect_timeout '{Security.BoundedInput.Shown(value)}' is not a number of seconds from 0 to 3600 (BackupOps waits 15 s; leave it out)."),
        "OPTIONS" => throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"options='{Security.BoundedInput.Shown(value)}' is not passed on by BackupOps (its tools would run without it). Set it on the role instead: ALTER ROLE name SET parameter = value."),
        _ => this, // options libpq understands but the engine does not need (application_name, connect_timeout)
    };

    private static int ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw BackupOpsException.InvalidInput("PgConnectionInvalid", $"The port '{Security.BoundedInput.Shown(value)}' is not a TCP port. Use a number from 1 to 65535 (postgresql://user@host:5432/database, or port=5432).");

    /// <summary>An Npgsql connection string for the engine's own queries (catalog, validation, create/drop).</summary>
    public string ToNpgsqlConnectionString(string applicationName = "BackupOps")
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            ApplicationName = applicationName,
            Timeout = 15,
            CommandTimeout = 0,
            Pooling = false,
        };
        if (Username is not null)
        {
            builder.Username = Username;
        }

        if (Password is not null)
        {
            builder.Password = Password;
        }

        if (SslMode is not null && Enum.TryParse<SslMode>(SslMode.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var mode))
        {
            builder.SslMode = mode;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// The libpq environment for pg_dump / pg_restore / psql. The password travels here (PGPASSWORD), never in argv,
    /// so it does not show in <c>ps</c> output.
    /// </summary>
    public IReadOnlyDictionary<string, string> ToLibpqEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = Database,
            ["PGAPPNAME"] = "BackupOps",
            ["PGCONNECT_TIMEOUT"] = "15",
        };
        if (Username is not null)
        {
            env["PGUSER"] = Username;
        }

        if (Password is not null)
        {
            env["PGPASSWORD"] = Password;
        }

        if (SslMode is not null)
        {
            env["PGSSLMODE"] = SslMode;
        }

        return env;
    }
}
