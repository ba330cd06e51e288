using System.Globalization;
using System.Security.Cryptography;
using BackupOps.Engine.Redis;
using StackExchange.Redis;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A real redis-server 7 per test: its own dir, config file, free port and password, daemonized with a pid file.
/// Each test gets its own because snapshots cover every database of a server.
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    private RedisTestServer(string directory, int port, string password)
    {
        Directory = directory;
        Port = port;
        Password = password;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Password { get; }

    public string ConfigFile => Path.Combine(Directory, "redis.conf");

    public RedisConnectionSettings Settings => new() { Host = "127.0.0.1", Port = Port, Password = Password };

    public static async Task<RedisTestServer> StartAsync(bool appendOnly = false)
    {
        if (!File.Exists("/usr/bin/redis-server") || !File.Exists("/usr/bin/redis-check-rdb"))
        {
            throw new InvalidOperationException("redis-server 7 is not installed. Install it (Debian: apt-get install redis-server redis-tools); the README's test command does.");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("backupops-redis-").FullName;
        var port = FreePort.Next();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant();
        var server = new RedisTestServer(directory, port, password);
        await File.WriteAllTextAsync(server.ConfigFile, string.Join('\n',
            $"port {port}", "bind 127.0.0.1", $"dir {directory}", "dbfilename dump.rdb", $"requirepass {password}",
            "save \"\"", $"appendonly {(appendOnly ? "yes" : "no")}", "daemonize yes", $"pidfile {directory}/redis.pid", $"logfile {directory}/redis.log") + "\n");
        Shell.Run("redis-server", [server.ConfigFile]);
        Shell.WhenTestProcessExits($"kill $(cat '{directory}/redis.pid' 2>/dev/null) 2>/dev/null; rm -rf '{directory}'");
        // Waits with the client itself: a refused connect fails at once (RedisClientStallTests), so this polls.
        for (var i = 0; i < 200; i++)
        {
            try
            {
                (await Connect(port, password)).Dispose();
                return server;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(25);
            }
        }

        throw new InvalidOperationException($"redis-server on port {port} did not start: {File.ReadAllText(Path.Combine(directory, "redis.log"))}");
    }

    public Task<RedisTestConnection> ConnectAsync() => Connect(Port, Password);

    public static async Task<RedisTestConnection> Connect(int port, string? password) =>
        new(await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { "127.0.0.1", port } }, Password = password, AllowAdmin = true, AbortOnConnectFail = true, ConnectTimeout = 5000, SyncTimeout = 30000 }));

    public async ValueTask DisposeAsync()
    {
        var pidFile = Path.Combine(Directory, "redis.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
                await Task.Delay(50);
            }
            catch (ArgumentException)
            {
                // gone already
            }
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
