using System.Collections;

namespace BackupOps.Engine.Tools;

/// <summary>
/// The environment a child process starts with. Least privilege: never BackupOps' own environment, which may hold
/// DATABASE_URL with a password, S3 keys, the SSE-C key or a webhook URL. Every child gets only what any program
/// needs to run (<see cref="Base"/>: PATH, HOME, the user and locale variables), plus exactly the variables its job
/// needs, which the caller adds (PGPASSWORD for a libpq tool connecting with a password, REDISCLI_AUTH for
/// redis-cli, the store's variables for the WAL worker).
/// </summary>
public static class ChildEnvironment
{
    // What programs read to run at all; none of them holds a secret.
    private static readonly string[] BaseVariables = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "DOTNET_ROOT"];

    // libpq's own settings the operator may rely on (TLS files, a service file, a password file). PGPASSWORD is not
    // among them: it is passed only to a connection that uses the environment's password (ForLibpq).
    private static readonly string[] LibpqPassThrough =
    [
        "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGSSLMODE", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT", "PGSSLCRL",
        "PGSSLCRLDIR", "PGSSLSNI", "PGSSLMINPROTOCOLVERSION", "PGSSLMAXPROTOCOLVERSION", "PGREQUIREPEER", "PGGSSENCMODE", "PGKRBSRVNAME",
        "PGGSSLIB", "PGCHANNELBINDING", "PGTARGETSESSIONATTRS", "PGLOADBALANCEHOSTS", "PGCLIENTENCODING", "PGTZ", "PGDATESTYLE",
    ];

    /// <summary>Variables every child receives from this process (when set).</summary>
    public static IReadOnlyList<string> BaseNames => BaseVariables;

    /// <summary>The base: PATH, HOME, USER, LOGNAME, the locale (LANG, LC_*), TZ, TMPDIR, LD_LIBRARY_PATH and DOTNET_ROOT (a BackupOps child such as archive_command needs the .NET host), as this process has them.</summary>
    public static Dictionary<string, string> Base()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (entry.Value is string value && (BaseVariables.Contains(name, StringComparer.Ordinal) || name.StartsWith("LC_", StringComparison.Ordinal)))
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    /// <summary>
    /// The environment additions for a libpq tool (pg_dump, pg_restore, psql, pg_basebackup) connecting with
    /// <paramref name="settings"/>: the connection itself, the operator's libpq settings (TLS, service and password
    /// files) when the connection is the operator's, and PGPASSWORD only where a password is needed: the connection's
    /// own, else (an operator's connection without one) the PGPASSWORD this process was given.
    /// </summary>
    public static Dictionary<string, string> ForLibpq(Connection.PgConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.FromOperator)
        {
            foreach (var name in LibpqPassThrough)
            {
                if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
                {
                    environment[name] = value;
                }
            }

            if (settings.Password is null && System.Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password)
            {
                environment["PGPASSWORD"] = password;
            }
        }

        foreach (var (key, value) in settings.ToLibpqEnvironment())
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>
    /// The variables a detached BackupOps worker (the async WAL uploader) needs to reach the store: the S3 and
    /// BackupOps store settings, and the .NET host's own variables; never the database's
    /// password, DATABASE_URL or the webhook URL.
    /// </summary>
    public static Dictionary<string, string> ForStoreWorker()
    {
        var environment = Base();
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (entry.Value is string value && IsStoreSetting(name))
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    private static bool IsStoreSetting(string name) =>
        name.StartsWith("AWS_", StringComparison.Ordinal)
        || name.StartsWith("DOTNET_", StringComparison.Ordinal)
        || name is "R2_ACCOUNT_ID" or "BACKUPOPS_S3_PROVIDER" or "BACKUPOPS_SSE" or "BACKUPOPS_KMS_KEY_ID" or "BACKUPOPS_SSE_C_KEY"
            or "BACKUPOPS_S3_PART_SIZE_MB" or "BACKUPOPS_STALL_TIMEOUT_SECONDS" or "BACKUPOPS_TEMP" or "BACKUPOPS_ENVIRONMENT"
            or "BACKUPOPS_PG_BIN"
            or "BACKUPOPS_TEST_PAUSE_AT" or "BACKUPOPS_TEST_RESUME_FILE";
}
