using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;

namespace BackupOps.Cli.Commands;

/// <summary>
/// Connection options without secrets: a command line is visible to every local user (<c>ps</c>,
/// <c>/proc/&lt;pid&gt;/cmdline</c>) and lands in shell history, so a password in <c>--database-url</c>,
/// <c>--redis-url</c>, <c>--target</c> or <c>--target-connection</c> is refused naming the private ways to give it.
/// The same URL in an environment variable (DATABASE_URL, REDIS_URL) stays accepted: only the user and root can read
/// a process's environment.
/// </summary>
internal static class OptionSecrets
{
    /// <summary>
    /// Parses a PostgreSQL connection given as <paramref name="option"/>; refuses one that holds a password.
    /// <paramref name="environmentVariable"/> is the variable the command reads the whole URL from instead (DATABASE_URL),
    /// or null where there is none (drill --target-connection), so the fix never names a variable the command ignores.
    /// </summary>
    public static PgConnectionSettings Pg(string value, string option, string? environmentVariable = "DATABASE_URL")
    {
        var settings = PgConnectionSettings.Parse(value);
        return settings.Password is null
            ? settings
            : throw BackupOpsException.InvalidInput(
                "PasswordInOption",
                $"{option} {settings.Display} carries a password, which every local user can read in ps and /proc while backupops runs. Remove it from {option} and give it with PGPASSWORD or ~/.pgpass (or PGPASSFILE){(environmentVariable is null ? string.Empty : $", or put the whole URL in {environmentVariable}")}.");
    }

    /// <summary>A PostgreSQL connection from <paramref name="option"/> when given (refusing a password there), else from DATABASE_URL.</summary>
    public static PgConnectionSettings PgOrEnvironment(string? value, string option) =>
        value is not null ? Pg(value, option) : PgConnectionSettings.Parse(Environment.GetEnvironmentVariable("DATABASE_URL") ?? string.Empty);

    /// <summary>Parses a Redis server given as <paramref name="option"/> (null: REDIS_URL); refuses a URL that holds a password.</summary>
    public static RedisConnectionSettings Redis(string? value, string option)
    {
        if (value is not null && Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal) && uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..].Length > 0)
        {
            throw BackupOpsException.InvalidInput(
                "PasswordInOption",
                $"{option} {uri.Scheme}://{uri.Host}:{(uri.IsDefaultPort ? 6379 : uri.Port)} carries a password, which every local user can read in ps and /proc while backupops runs. Remove it from {option} and give it with REDIS_PASSWORD or REDISCLI_AUTH, or put the whole URL in REDIS_URL.");
        }

        return RedisConnectionSettings.Parse(value);
    }
}
