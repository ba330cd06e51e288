using System.Security.Cryptography;
using BackupOps.Engine.Connection;
using Npgsql;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A real PostgreSQL 15 for the whole test run: initdb in a temp dir, pg_ctl on a free 127.0.0.1 port with
/// scram-sha-256 password auth (so wrong-password tests are real), run as the postgres user when the tests run as root.
/// Stopped and removed when the test process exits.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> SharedInstance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databaseCounter;

    private PostgresServer(string root, string binDirectory, int port, string password)
    {
        Root = root;
        BinDirectory = binDirectory;
        Port = port;
        Password = password;
    }

    public static PostgresServer Shared => SharedInstance.Value;

    public string Root { get; }

    public string BinDirectory { get; }

    public int Port { get; }

    public string Password { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public PgConnectionSettings Settings(string database = "postgres") =>
        new() { Host = "127.0.0.1", Port = Port, Database = database, Username = "postgres", Password = Password };

    public string Url(string database) => $"postgresql://postgres:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/{database}";

    /// <summary>The URL for a command-line option: without the password, which backupops refuses there (PGPASSWORD has it).</summary>
    public string OptionUrl(string database) => $"postgresql://postgres@127.0.0.1:{Port}/{database}";

    public string NewDatabaseName(string purpose) => $"{purpose}_{Interlocked.Increment(ref _databaseCounter)}_{Environment.ProcessId}";

    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = NewDatabaseName(purpose);
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Settings(database).ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Settings(database).ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task<bool> DatabaseExistsAsync(string database) =>
        await ScalarAsync("postgres", $"SELECT 1 FROM pg_database WHERE datname = '{database}'") is not null;

    private static PostgresServer Start()
    {
        var bin = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL server binaries are missing at {bin}. Install them (Debian: apt-get install postgresql-15) or set BACKUPOPS_TEST_PG_BIN; the README's test command does this.");
        }

        var root = Path.Combine(Path.GetTempPath(), $"backupops-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant() + "Pw!";
        var passwordFile = Path.Combine(root, "pwfile");
        File.WriteAllText(passwordFile, password + "\n");
        if (Shell.IsRoot)
        {
            Shell.Run("chown", ["-R", "postgres:postgres", root]);
        }

        var port = FreePort.Next();
        var server = new PostgresServer(root, bin, port, password);
        Shell.RunAsPostgres(Path.Combine(bin, "initdb"), ["-D", server.DataDirectory, "-U", "postgres", "--auth-host=scram-sha-256", "--auth-local=trust", $"--pwfile={passwordFile}", "--no-locale", "-E", "UTF8", "--no-sync"]);
        File.Delete(passwordFile);
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        Shell.RunAsPostgres(Path.Combine(bin, "pg_ctl"), ["-D", server.DataDirectory, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"]);
        var stop = $"'{Path.Combine(bin, "pg_ctl")}' -D '{server.DataDirectory}' -m immediate -w stop; rm -rf '{root}'";
        Shell.WhenTestProcessExits(Shell.IsRoot ? $"runuser -u postgres -- {stop}" : stop);
        return server;
    }
}
