using System.Globalization;
using System.Security.Cryptography;
using BackupOps.Engine.Connection;
using Npgsql;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A PostgreSQL 15 of its own per test, archiving with the real CLI: wal_level=replica, archive_mode=on,
/// archive_command = 'backupops pg wal push %p --cluster ... --store ...', a short archive_timeout so tests
/// take seconds, and track_commit_timestamp so a test knows exactly when each row committed. Runs as the postgres user
/// when the tests run as root; scram passwords on TCP, trust only on its own socket folder.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ArchivingPostgres : IAsyncDisposable
{
    private readonly string _bin;

    private ArchivingPostgres(string root, string bin, int port, string password, string cluster)
    {
        Root = root;
        _bin = bin;
        Port = port;
        Password = password;
        Cluster = cluster;
    }

    public string Root { get; }

    public int Port { get; }

    public string Password { get; }

    public string Cluster { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public string LogPath => Path.Combine(Root, "server.log");

    public PgConnectionSettings Settings(string database = "postgres") =>
        new() { Host = "127.0.0.1", Port = Port, Database = database, Username = "postgres", Password = Password };

    public string Url(string database = "postgres") => $"postgresql://postgres:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/{database}";

    /// <summary>The URL for a command-line option: without the password, which backupops refuses there (PGPASSWORD has it).</summary>
    public string OptionUrl(string database = "postgres") => $"postgresql://postgres@127.0.0.1:{Port}/{database}";

    /// <summary>The environment giving <see cref="OptionUrl"/> its password.</summary>
    public Dictionary<string, string?> PasswordEnvironment() => new() { ["PGPASSWORD"] = Password };

    /// <summary>A folder the server's user can write (the folder store archive_command writes to).</summary>
    public static string NewSharedFolder(string purpose)
    {
        var path = Directory.CreateTempSubdirectory($"backupops-{purpose}-").FullName;
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        if (Shell.IsRoot)
        {
            Shell.Run("chown", ["postgres:postgres", path]);
        }

        return path;
    }

    /// <summary>Writes a 0600 file the server's user owns (an --env-file with store credentials).</summary>
    public static void WritePrivateFile(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Shell.IsRoot)
        {
            Shell.Run("chown", ["postgres:postgres", path]);
        }
    }

    public static async Task<ArchivingPostgres> StartAsync(string cluster, string pushArguments, int archiveTimeoutSeconds = 2)
    {
        var bin = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        var root = Path.Combine(Path.GetTempPath(), $"backupops-apg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..44]);
        Directory.CreateDirectory(root);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant() + "Pw!";
        var passwordFile = Path.Combine(root, "pwfile");
        File.WriteAllText(passwordFile, password + "\n");
        if (Shell.IsRoot)
        {
            Shell.Run("chown", ["-R", "postgres:postgres", root]);
        }

        var port = FreePort.Next();
        var server = new ArchivingPostgres(root, bin, port, password, cluster);
        Shell.RunAsPostgres(Path.Combine(bin, "initdb"), ["-D", server.DataDirectory, "-U", "postgres", "--auth-host=scram-sha-256", "--auth-local=trust", $"--pwfile={passwordFile}", "--no-locale", "-E", "UTF8", "--no-sync"]);
        File.Delete(passwordFile);
        var push = $"{BackupOpsCli.ProgramPath} pg wal push %p --cluster {cluster} {pushArguments}";
        var conf = string.Join('\n', new[]
        {
            $"port = {port}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{root}'",
            "fsync = off",
            "wal_level = replica",
            "archive_mode = on",
            $"archive_command = '{push.Replace("'", "''", StringComparison.Ordinal)}'",
            $"archive_timeout = {archiveTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}",
            "track_commit_timestamp = on",
            "max_wal_senders = 4",
        }) + "\n";
        await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "postgresql.conf"), conf);
        Shell.RunAsPostgres(Path.Combine(bin, "pg_ctl"), ["-D", server.DataDirectory, "-l", server.LogPath, "-w", "-t", "60", "start"]);
        var stop = $"'{Path.Combine(bin, "pg_ctl")}' -D '{server.DataDirectory}' -m immediate -w stop; rm -rf '{root}'";
        Shell.WhenTestProcessExits(Shell.IsRoot ? $"runuser -u postgres -- {stop}" : stop);
        return server;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(Settings(database).ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(Settings(database).ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Closes the current segment (pg_switch_wal) and returns its name.</summary>
    public async Task<string> SwitchWalAsync() => (string)(await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"))!;

    /// <summary>Waits until PostgreSQL reports <paramref name="segment"/> archived (archive_command returned 0).</summary>
    public async Task WaitArchivedAsync(string segment, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (await ScalarAsync("SELECT last_archived_wal FROM pg_stat_archiver") is string last && string.CompareOrdinal(last[..Math.Min(24, last.Length)], segment) >= 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{segment} was not archived in time; server log:\n{string.Join('\n', File.ReadLines(LogPath).TakeLast(20))}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Shell.RunAsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }

        await Task.Yield();
        Directory.Delete(Root, recursive: true);
    }
}
