using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// A disposable redis-server: its own private (0700) temporary dir, a free 127.0.0.1 port, a random password
/// (<c>requirepass</c>, in a 0600 config file, never on its command line), no persistence of its own. It loads
/// <c>dump.rdb</c> from its dir when one was placed there. Started daemonized with a pid file so that
/// <c>-KeepRunning</c> can leave it up after BackupOps exits (the password is then in <see cref="PasswordFile"/>);
/// stopped with SHUTDOWN NOSAVE (then the pid).
/// </summary>
public sealed class RedisSandbox : IAsyncDisposable
{
    private readonly string _password;

    private RedisSandbox(string directory, int port, string password)
    {
        Directory = directory;
        Port = port;
        _password = password;
    }

    /// <summary>The sandbox's dir (dump.rdb, redis.log, redis.pid).</summary>
    public string Directory { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Connection settings for the sandbox (with its password).</summary>
    public RedisConnectionSettings Connection => new() { Host = "127.0.0.1", Port = Port, Password = _password };

    /// <summary>The 0600 file holding the sandbox's password, for the caller of <c>-KeepRunning</c>.</summary>
    public string PasswordFile => Path.Combine(Directory, "redis.password");

    /// <summary>Keep the server after disposal (for -KeepRunning).</summary>
    public bool KeepRunning { get; set; }

    /// <summary>A new sandbox directory (the caller may place dump.rdb in it before <see cref="StartAsync"/>).</summary>
    public static string CreateDirectory(string? tempRoot) => Restore.VerifiedSource.CreateTempDirectory(tempRoot, "redis-sandbox");

    /// <summary>Starts redis-server in <paramref name="directory"/> and waits until it has loaded its data.</summary>
    public static async Task<RedisSandbox> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var sandbox = new RedisSandbox(directory, port, password);
        Wal.PrivateFiles.CreateDirectory(directory);
        var config = Path.Combine(directory, "redis.conf");
        await Wal.PrivateFiles.WriteAllTextAsync(config, string.Join('\n', new[]
        {
            "# A BackupOps sandbox: loopback only, a random password, nothing persisted.",
            $"port {port.ToString(CultureInfo.InvariantCulture)}",
            "bind 127.0.0.1",
            "protected-mode yes",
            $"requirepass {password}",
            $"dir \"{directory}\"",
            "dbfilename dump.rdb",
            "save \"\"",
            "appendonly no",
            "daemonize yes",
            $"pidfile \"{Path.Combine(directory, "redis.pid")}\"",
            $"logfile \"{Path.Combine(directory, "redis.log")}\"",
        }) + "\n", cancellationToken).ConfigureAwait(false);
        await Wal.PrivateFiles.WriteAllTextAsync(sandbox.PasswordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        if (File.Exists(Path.Combine(directory, "dump.rdb")))
        {
            Wal.PrivateFiles.Restrict(Path.Combine(directory, "dump.rdb"));
        }

        await using (var start = ProcessRunner.Start(RedisTools.Find("redis-server"), [config], null, new SecretRedactor()))
        {
            await start.WaitForSuccessAsync("RedisSandboxFailed", "Starting a sandbox redis-server", cancellationToken).ConfigureAwait(false);
        }

        await sandbox.WaitUntilLoadedAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        return sandbox;
    }

    /// <summary>Waits until the server answers and has finished loading.</summary>
    internal async Task WaitUntilLoadedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await RedisConnector.IsLoadedAsync(Connection).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(2) && !IsRunning() || clock.Elapsed > timeout)
            {
                var log = Path.Combine(Directory, "redis.log");
                var tail = File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(3)) : "no log";
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "RedisSandboxFailed", $"The sandbox redis-server on port {Port} did not come up: {tail}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server (unless <see cref="KeepRunning"/>) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (KeepRunning)
        {
            return;
        }

        await ShutdownAsync().ConfigureAwait(false);
        for (var i = 0; i < 50 && IsRunning(); i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        if (IsRunning() && ReadPid() is { } pid)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }

        Restore.VerifiedSource.DeleteQuietly(Directory);
    }

    private bool IsRunning() => ReadPid() is { } pid && File.Exists($"/proc/{pid}/status");

    private int? ReadPid()
    {
        var path = Path.Combine(Directory, "redis.pid");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    // SHUTDOWN NOSAVE: the sandbox's data is a copy. The server closes the connection as it goes down.
    private async Task ShutdownAsync()
    {
        try
        {
            using var session = await RedisConnector.ConnectAsync(Connection).ConfigureAwait(false);
            session.Server.Shutdown(ShutdownMode.Never);
        }
        catch (Exception ex) when (ex is BackupOpsException or RedisException)
        {
            // gone already, or going: the pid check below decides
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
