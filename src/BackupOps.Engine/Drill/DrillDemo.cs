using BackupOps.Engine.Backup;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Health;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Redis;
using Npgsql;

namespace BackupOps.Engine.Drill;

/// <summary>
/// The newcomer's demonstration: a disposable PostgreSQL and Redis filled with a small sample of the seed's schema
/// (events, attendees, transactions, a mail queue), backed up to a temporary folder, then the full drill against
/// them. Nothing to configure; every server and file is removed afterwards.
/// </summary>
public static class DrillDemo
{
    private const string Schema = """
        CREATE TABLE events (id bigserial PRIMARY KEY, name text NOT NULL, starts_at timestamptz NOT NULL);
        CREATE TABLE attendees (id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES events(id), email text NOT NULL UNIQUE);
        CREATE TABLE transactions (id bigserial PRIMARY KEY, attendee_id bigint REFERENCES attendees(id), amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO events (name, starts_at) SELECT 'Event ' || g, now() + g * interval '1 day' FROM generate_series(1, 20) g;
        INSERT INTO attendees (event_id, email) SELECT 1 + g % 20, 'guest' || g || '@example.test' FROM generate_series(1, 500) g;
        INSERT INTO transactions (attendee_id, amount, created_at) SELECT 1 + g % 500, (g % 90) + 9.99, now() - (g % 30) * interval '1 hour' FROM generate_series(1, 800) g;
        """;

    /// <summary>Runs the demonstration drill; the report is returned, everything else removed.</summary>
    public static Task<DrillReport> RunAsync(string? tempRoot, IProgress<OperationProgress>? progress, CancellationToken cancellationToken) =>
        RunAsync(tempRoot, Environment.GetEnvironmentVariable("BACKUPOPS_CLI") is { Length: > 0 } cli ? [cli] : [], progress, cancellationToken);

    /// <summary>
    /// Runs the demonstration drill. With <paramref name="cli"/> (how to run the backupops CLI) the disposable server
    /// also archives its WAL, gets a base backup and more writes after it, and the drill's point-in-time check
    /// recovers it to the latest archived WAL.
    /// </summary>
    public static async Task<DrillReport> RunAsync(string? tempRoot, IReadOnlyList<string> cli, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var work = Restore.VerifiedSource.CreateTempDirectory(tempRoot, "drill-demo");
        try
        {
            var store = Path.Combine(work, "backups");
            Directory.CreateDirectory(store);
            var archiving = cli.Count == 0 ? null : $"-c wal_level=replica -c archive_mode=on -c archive_timeout=5 -c track_commit_timestamp=on -c \"archive_command={string.Join(' ', cli)} pg wal push %p --cluster demo --store {store}\"";
            if (archiving is not null && Environment.UserName == "root")
            {
                // The disposable server runs as postgres and archives into the demo's folder.
                await ChownAsync(work, cancellationToken).ConfigureAwait(false);
            }

            progress?.Report(new OperationProgress("Drill demo", "starting a disposable PostgreSQL", 0, null, 0));
            await using var postgres = await DisposablePostgres.StartAsync(15, tempRoot, archiving, cancellationToken).ConfigureAwait(false);
            var admin = postgres.Connection;
            await ExecuteAsync(admin, "CREATE DATABASE monotickets", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(admin.WithDatabase("monotickets"), Schema, cancellationToken).ConfigureAwait(false);

            progress?.Report(new OperationProgress("Drill demo", "starting a disposable Redis", 0, null, 0));
            await using var redis = await RedisSandbox.StartAsync(RedisSandbox.CreateDirectory(tempRoot), cancellationToken).ConfigureAwait(false);
            using (var session = await RedisConnector.ConnectAsync(redis.Connection).ConfigureAwait(false))
            {
                await session.Database().ListRightPushAsync("queue:emails", [.. Enumerable.Range(1, 25).Select(i => (StackExchange.Redis.RedisValue)$"receipt-{i}")]).ConfigureAwait(false);
                await session.Database().StringSetAsync("config:checkin", "open").ConfigureAwait(false);
            }

            var quiet = new RunReporting { RecordRuns = false };
            progress?.Report(new OperationProgress("Drill demo", "backing up", 0, null, 0));
            await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = admin.WithDatabase("monotickets"), Store = store, CriticalTables = ["events", "attendees"], Reporting = quiet }, null, cancellationToken).ConfigureAwait(false);
            await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Connection, Store = store, SourceName = "monotickets-queues", Reporting = quiet }, null, cancellationToken).ConfigureAwait(false);

            if (archiving is not null)
            {
                progress?.Report(new OperationProgress("Drill demo", "base backup, then more writes, archived", 0, null, 0));
                await Physical.BaseBackupEngine.RunAsync(new Physical.BaseBackupRequest { Connection = admin, Cluster = "demo", Store = store, Reporting = quiet }, null, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(admin.WithDatabase("monotickets"), "INSERT INTO transactions (attendee_id, amount) SELECT 1 + g % 500, 19.99 FROM generate_series(1, 50) g", cancellationToken).ConfigureAwait(false);
                await WaitArchivedAsync(admin, store, cancellationToken).ConfigureAwait(false);
            }

            var config = new DrillConfig
            {
                Environment = "demo",
                LogPath = Path.Combine(work, "drill-log.md"),
                ReportDirectory = Path.Combine(work, "reports"),
                Databases = [new DrillDatabase { Name = "monotickets", Store = store, CriticalTables = ["events", "attendees"], SmokeQueries = ["SELECT count(*) FROM attendees => = 500", "SELECT count(*) FROM transactions WHERE created_at > now() - interval '7 days' => > 0"] }],
                Redis = [new DrillRedis { Source = "monotickets-queues", Store = store, ExpectKeys = ["config:checkin"], Queues = ["queue:emails=1..1000"] }],
                Pitr = archiving is null ? [] : [new DrillPitr { Cluster = "demo", Store = store, Database = "monotickets", SmokeQueries = ["SELECT count(*) FROM transactions => = 850"] }],
            };
            return await DrillRunner.RunAsync(new DrillRequest { Config = config, TempDirectory = tempRoot, FetchCommand = cli, PitrSources = new Dictionary<string, PgConnectionSettings> { ["demo"] = admin } }, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Restore.VerifiedSource.DeleteQuietly(work);
        }
    }

    // The last writes' segment closed and archived, so "latest" holds them.
    private static async Task WaitArchivedAsync(PgConnectionSettings admin, string store, CancellationToken cancellationToken)
    {
        await using var connection = await PgConnector.OpenAsync(admin, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection);
        var segment = Wal.WalFileName.Parse((string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
        await using var opened = Stores.StoreLocation.Open(store);
        var archive = new Wal.WalArchive(opened, "demo");
        for (var i = 0; i < 240 && await archive.FindAsync(segment, cancellationToken).ConfigureAwait(false) is null; i++)
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ChownAsync(string path, CancellationToken cancellationToken)
    {
        await using var chown = Tools.ProcessRunner.Start(new Tools.ExternalTool("chown", "/bin/chown", string.Empty, 0), ["-R", "postgres:postgres", path], null, new Errors.SecretRedactor());
        await chown.WaitForSuccessAsync("ChownFailed", $"Handing {path} to the postgres user", cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(PgConnectionSettings settings, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await PgConnector.OpenAsync(settings, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
