using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;
using Npgsql;

namespace BackupOps.Engine.Physical;

/// <summary>
/// A PostgreSQL started on a recovered data directory: on a free 127.0.0.1 port with password (scram) authentication
/// for TCP, and trust only on a Unix socket in a 0700 folder that only the server's user (and root) can enter. The
/// source's own pg_hba.conf is not used. Archiving is off, so a recovered copy can never write a new timeline into
/// the production archive. As root the server runs as the postgres user.
/// </summary>
internal sealed class RecoveredServer
{
    private readonly string _bin;
    private readonly string _root;

    private RecoveredServer(string root, string bin, int port, string socketDirectory)
    {
        _root = root;
        _bin = bin;
        Port = port;
        SocketDirectory = socketDirectory;
    }

    public static bool AsRoot => Environment.UserName == "root";

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The Unix socket folder: short, because a socket path has at most 107 bytes.</summary>
    public string SocketDirectory { get; }

    public string LogPath => Path.Combine(_root, "server.log");

    public string StopCommand => $"{(AsRoot ? "runuser -u postgres -- " : string.Empty)}{Path.Combine(_bin, "pg_ctl")} -D {DataDirectory} stop";

    /// <summary>Prepares the server for a data directory already extracted under <paramref name="root"/>/data.</summary>
    public static async Task<RecoveredServer> PrepareAsync(string root, int major, CancellationToken cancellationToken)
    {
        var (bin, _) = Drill.DisposablePostgres.FindServer(major);
        var tempRoot = Path.GetTempPath().Length <= 60 ? Path.GetTempPath() : "/tmp";
        var socket = Path.Combine(tempRoot, "bo-pg-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        Wal.PrivateFiles.CreateDirectory(socket);
        var server = new RecoveredServer(root, bin, FreePort(), socket);
        await File.WriteAllTextAsync(Path.Combine(root, "pg_hba.conf"), "# BackupOps: the recovered server's own rules (the source's pg_hba.conf is not used)\nlocal all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", cancellationToken).ConfigureAwait(false);
        if (AsRoot)
        {
            await RunAsync("/bin/chown", ["-R", "postgres:postgres", root, socket], cancellationToken).ConfigureAwait(false);
        }

        return server;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = string.Join(' ', new[]
        {
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories={SocketDirectory}",
            "-c unix_socket_permissions=0700",
            $"-c hba_file={Path.Combine(_root, "pg_hba.conf")}",
            "-c archive_mode=off",
            "-c ssl=off",
            "-c hot_standby=on",
        });
        await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-o", options, "-l", LogPath, "-W", "start"], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connection over the private socket as <paramref name="user"/>.</summary>
    public PgConnectionSettings SocketConnection(string user, string database) => new() { Host = SocketDirectory, Port = Port, Username = user, Database = database, FromOperator = false };

    /// <summary>Waits until recovery has ended and the server is promoted; throws with the server's own words when it stops instead.</summary>
    public async Task WaitForPromotionAsync(string user, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var startup = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var seen = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var running = IsRunning();
            seen |= running;
            if (!running && (seen || DateTime.UtcNow > startup))
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "PitrRecoveryFailed", $"PostgreSQL stopped during recovery: {Explain()}") { Target = DataDirectory };
            }

            try
            {
                await using var connection = new NpgsqlConnection(SocketConnection(user, "postgres").ToNpgsqlConnectionString());
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is false)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException or TimeoutException)
            {
                // starting up, or not yet consistent
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "PitrRecoveryTimeout", $"Recovery did not finish within {timeout.TotalMinutes:0} minutes. {Explain()}") { Target = DataDirectory };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The server log's lines that say why recovery failed (and which WAL file, when wal fetch named one).</summary>
    public string Explain()
    {
        var lines = File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];
        var ours = lines.Where(l => l.Contains("backupops: error", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("backupops: error", StringComparison.Ordinal) + "backupops: ".Length)..]).Distinct().ToList();
        var fatal = lines.Where(l => l.Contains("FATAL:", StringComparison.Ordinal) || l.Contains("PANIC:", StringComparison.Ordinal)).Select(l => l[l.IndexOf(':', l.IndexOf("FATAL", StringComparison.Ordinal) is var i and >= 0 ? i : l.IndexOf("PANIC", StringComparison.Ordinal))..].TrimStart(':', ' ')).Distinct().TakeLast(3).ToList();
        return string.Join(" ", ours.Concat(fatal)) is { Length: > 0 } text ? text : "the server log ends: " + string.Join(" | ", lines.TakeLast(4).Select(l => l.Trim()));
    }

    /// <summary>The last transaction time the recovery replayed.</summary>
    public async Task<DateTimeOffset?> RecoveredToAsync(string user, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(SocketConnection(user, "postgres").ToNpgsqlConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT pg_last_xact_replay_timestamp()", connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) switch
        {
            DateTime t => new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero),
            DateTimeOffset o => o.ToUniversalTime(),
            _ => null,
        };
    }

    /// <summary>The bootstrap superuser's name (OID 10), found through a role that can log in over the trusted socket.</summary>
    public async Task<string> SuperuserAsync(string anyRole, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(SocketConnection(anyRole, "postgres").ToNpgsqlConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE oid = 10", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task StopAsync()
    {
        if (IsRunning())
        {
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
            catch (BackupOpsException)
            {
                // already down
            }
        }

        Restore.VerifiedSource.DeleteQuietly(SocketDirectory);
    }

    public bool IsRunning()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        try
        {
            return File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        AsRoot
            ? RunAsync("/usr/sbin/runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(_bin, tool), arguments, cancellationToken);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await using var process = ProcessRunner.Start(new ExternalTool(Path.GetFileName(file), file, string.Empty, 0), arguments, null, new SecretRedactor());
        _ = process.Output.CopyToAsync(Stream.Null, cancellationToken);
        await process.WaitForSuccessAsync("RecoveredServerFailed", $"Running {Path.GetFileName(arguments.Count > 3 && AsRoot ? arguments[3] : file)} for the recovered server", cancellationToken).ConfigureAwait(false);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
