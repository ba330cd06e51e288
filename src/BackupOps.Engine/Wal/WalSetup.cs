using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using Npgsql;

namespace BackupOps.Engine.Wal;

/// <summary>What <c>wal setup</c> is asked to configure.</summary>
public sealed record WalSetupRequest
{
    /// <summary>The cluster name.</summary>
    public required string Cluster { get; init; }

    /// <summary>The store spec as archive_command will see it (absolute for folders).</summary>
    public required string Store { get; init; }

    /// <summary>The program and leading arguments that run the CLI.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The async spool, or null for synchronous archiving.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>An --env-file for store credentials.</summary>
    public string? EnvFile { get; init; }

    /// <summary>The RPO archive_timeout is sized from.</summary>
    public int RpoMinutes { get; init; } = 15;

    /// <summary>--s3-endpoint to pass through.</summary>
    public string? S3Endpoint { get; init; }

    /// <summary>--s3-provider to pass through.</summary>
    public string? S3Provider { get; init; }
}

/// <summary>The settings and the reasoning behind them.</summary>
/// <param name="Store">The store.</param>
/// <param name="Settings">postgresql.conf lines, in order.</param>
/// <param name="Notes">What to know about them.</param>
public sealed record WalSetupPlan(string Store, IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<string> Notes);

/// <summary><c>wal setup</c>: the postgresql.conf lines for archiving, and (pgBackRest's <c>check</c>) proof they work.</summary>
public static class WalSetup
{
    /// <summary>archive_timeout for an RPO: a third of it (at least 60 s), so a quiet server's WAL still reaches the store well within the RPO.</summary>
    public static int ArchiveTimeoutSeconds(int rpoMinutes) => Math.Max(60, rpoMinutes * 60 / 3);

    /// <summary>The lines and notes.</summary>
    public static WalSetupPlan Plan(WalSetupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RpoMinutes is < 1 or > 1440)
        {
            throw BackupOpsException.InvalidInput("RpoInvalid", $"--rpo-minutes {request.RpoMinutes} is out of range. Use 1 to 1440 (the seed's target: 15).");
        }

        var common = new List<string> { "--cluster", request.Cluster, "--store", request.Store };
        if (request.S3Endpoint is { } endpoint)
        {
            common.AddRange(["--s3-endpoint", endpoint]);
        }

        if (request.S3Provider is { } provider)
        {
            common.AddRange(["--s3-provider", provider]);
        }

        if (request.EnvFile is { } env)
        {
            common.AddRange(["--env-file", Path.GetFullPath(env)]);
        }

        var program = string.Join(' ', request.Command.Select(Quote));
        var push = $"{program} pg wal push %p {string.Join(' ', common.Select(Quote))}{(request.SpoolDirectory is { } spool ? " --spool-dir " + Quote(spool) : string.Empty)}";
        var fetch = $"{program} pg wal fetch %f %p {string.Join(' ', common.Select(Quote))}";
        var timeout = ArchiveTimeoutSeconds(request.RpoMinutes);
        var settings = new List<KeyValuePair<string, string>>
        {
            new("wal_level", "replica"),
            new("archive_mode", "on"),
            new("archive_command", Conf(push)),
            new("archive_timeout", $"'{timeout.ToString(CultureInfo.InvariantCulture)}s'"),
            new("restore_command", Conf(fetch)),
        };
        var notes = new List<string>
        {
            timeout < request.RpoMinutes * 60
                ? string.Create(CultureInfo.InvariantCulture, $"RPO: a quiet server closes a segment at least every archive_timeout ({timeout} s), so at most {timeout} s of commits plus one upload wait outside the store; the {request.RpoMinutes}-minute target leaves room for a slow upload or a retry.")
                : string.Create(CultureInfo.InvariantCulture, $"RPO: archive_timeout is at least 60 s here (each forced switch archives a segment), so a quiet server may keep up to {timeout} s plus one upload outside the store: more than the {request.RpoMinutes}-minute target. Lower archive_timeout by hand only if that cost is acceptable."),
            request.SpoolDirectory is null
                ? "Synchronous: each segment is uploaded before archive_command returns (one store round trip per segment on PostgreSQL's archiver)."
                : $"Asynchronous: archive_command only queues the segment in {request.SpoolDirectory} (0700; create it for the postgres user) and a worker uploads it; a spool that cannot drain makes archive_command fail, so PostgreSQL keeps the WAL.",
            "restore_command is for recoveries and standbys; 'backupops pg restore --to-time' writes its own.",
            "Store credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the server's environment, or an --env-file (mode 0600, owned by postgres).",
            $"Prove it: backupops pg wal setup --check --cluster {request.Cluster} --store {request.Store} --database-url postgresql://postgres@host/postgres",
        };
        return new WalSetupPlan(request.Store, settings, notes);
    }

    /// <summary>
    /// Proves archiving on a running server: the settings, then a forced segment switch whose segment must arrive in
    /// the store (read back and verified) within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<IReadOnlyList<RestoreCheck>> CheckAsync(PgConnectionSettings connection, string cluster, string? storeSpec, S3StoreOptions? s3, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var checks = new List<RestoreCheck>();
        await using var db = await PgConnector.OpenAsync(connection, cancellationToken).ConfigureAwait(false);
        var walLevel = await ScalarAsync(db, "SHOW wal_level", cancellationToken).ConfigureAwait(false);
        checks.Add(new RestoreCheck("wal_level", walLevel is "replica" or "logical" ? CheckOutcome.Passed : CheckOutcome.Failed, walLevel is "replica" or "logical" ? walLevel : $"{walLevel}: set wal_level = replica and restart"));
        var mode = await ScalarAsync(db, "SHOW archive_mode", cancellationToken).ConfigureAwait(false);
        checks.Add(new RestoreCheck("archive_mode", mode is "on" or "always" ? CheckOutcome.Passed : CheckOutcome.Failed, mode is "on" or "always" ? mode : $"{mode}: set archive_mode = on and restart"));
        var command = await ScalarAsync(db, "SHOW archive_command", cancellationToken).ConfigureAwait(false);
        var ours = command.Contains("wal push", StringComparison.Ordinal) && command.Contains(cluster, StringComparison.Ordinal);
        checks.Add(new RestoreCheck("archive_command", ours ? CheckOutcome.Passed : CheckOutcome.Failed, ours ? command : $"'{command}' does not run 'backupops pg wal push' for cluster '{cluster}'"));
        var timeoutText = await ScalarAsync(db, "SELECT setting FROM pg_settings WHERE name = 'archive_timeout'", cancellationToken).ConfigureAwait(false);
        checks.Add(new RestoreCheck("archive_timeout", timeoutText is not ("0" or "") ? CheckOutcome.Passed : CheckOutcome.Warning, timeoutText is not ("0" or "") ? $"{timeoutText} s" : "0: a quiet server may keep WAL out of the store for hours; set it from the RPO ('wal setup' prints a value)"));
        await using (var stats = new NpgsqlCommand("SELECT failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver", db))
        await using (var reader = await stats.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(1))
            {
                checks.Add(new RestoreCheck("pg_stat_archiver", CheckOutcome.Warning, string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(0)} failure(s); the last for {reader.GetString(1)} at {reader.GetDateTime(2):yyyy-MM-dd HH:mm:ss} (see the server log for archive_command's message)")));
            }
        }

        if (checks.Any(c => c.Outcome == CheckOutcome.Failed))
        {
            return checks;
        }

        await using var store = StoreLocation.Open(storeSpec, s3);
        var archive = new WalArchive(store, cluster);
        var segment = await ScalarAsync(db, "SELECT pg_walfile_name(pg_switch_wal())", cancellationToken).ConfigureAwait(false);
        var name = WalFileName.Parse(segment);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await archive.FindAsync(name, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var bytes = await archive.ReadAsync(entry, null, cancellationToken).ConfigureAwait(false);
                var identity = await archive.ReadIdentityAsync(cancellationToken).ConfigureAwait(false);
                var system = await ScalarAsync(db, "SELECT system_identifier::text FROM pg_control_system()", cancellationToken).ConfigureAwait(false);
                checks.Add(new RestoreCheck("segment archived", CheckOutcome.Passed, string.Create(CultureInfo.InvariantCulture, $"{name.Name} ({bytes.Length} bytes, sha256 proven) reached {store.Display} {clock.Elapsed.TotalSeconds:0.0} s after pg_switch_wal()")));
                checks.Add(new RestoreCheck("archive identity", identity?.SystemIdentifier == system ? CheckOutcome.Passed : CheckOutcome.Failed, $"archive '{cluster}' belongs to system {identity?.SystemIdentifier}; this server is {system}"));
                return checks;
            }

            if (clock.Elapsed > timeout)
            {
                checks.Add(new RestoreCheck("segment archived", CheckOutcome.Failed, $"{name.Name} did not reach {store.Display} within {timeout.TotalSeconds:0} s of pg_switch_wal(). Look for archive_command errors in the server log and pg_stat_archiver."));
                return checks;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? string.Empty;
    }

    private static string Quote(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or ':' or '%' or '=' or '+' or '@') ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Conf(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
