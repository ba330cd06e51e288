using System.Diagnostics;
using BackupOps.Engine.Drill;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Tests.Servers;
using StackExchange.Redis;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Disposable servers are private (#13 item 2): the drill's PostgreSQL (a restored copy of production, whose superuser
/// could read files and run programs) and the sandbox Redis are tried as another OS user, <c>nobody</c>, the way the
/// issue found them open; the same attempts as their owner succeed, so the refusals are the servers' and not a broken
/// probe.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DisposableServerPrivacyTests
{
    private const string Psql = "/usr/lib/postgresql/15/bin/psql";

    [Fact]
    public async Task Nobody_can_reach_the_drill_postgres_by_socket_or_tcp_while_its_owner_can()
    {
        Assert.True(Shell.IsRoot, "this test switches to the OS user nobody and must run as root (as ./test.sh does here and in CI)");
        using var temp = new TempFolder();
        File.SetUnixFileMode(temp.Path, PrivateDirectory | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute); // the postgres user enters it, as in a drill's temp root
        await using var server = await DisposablePostgres.StartAsync(15, temp.Path, default);

        var owner = Run(Psql, "-X", "-At", "-h", server.SocketDirectory, "-p", $"{server.Port}", "-U", "postgres", "-d", "postgres", "-c", "SELECT 6*7");
        Assert.True(owner.Output.Trim() == "42", owner.Output);

        var bySocket = AsNobody(Psql, "-X", "-At", "-h", server.SocketDirectory, "-p", $"{server.Port}", "-U", "postgres", "-d", "postgres", "-c", "SELECT 1");
        Assert.NotEqual(0, bySocket.ExitCode);
        Assert.Contains("Permission denied", bySocket.Output, StringComparison.Ordinal);
        var byTcp = AsNobody(Psql, "-X", "-At", "-h", "127.0.0.1", "-p", $"{server.Port}", "-U", "postgres", "-d", "postgres", "-w", "-c", "SELECT 1");
        Assert.NotEqual(0, byTcp.ExitCode);
        Assert.Contains("Connection refused", byTcp.Output, StringComparison.Ordinal);

        var listing = AsNobody("/bin/ls", server.Root);
        Assert.NotEqual(0, listing.ExitCode);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(server.Root) & AllPermissions);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(server.SocketDirectory) & AllPermissions);
    }

    [Fact]
    public async Task Nobody_cannot_use_or_read_the_sandbox_redis_while_its_owner_can_with_the_password_file()
    {
        Assert.True(Shell.IsRoot, "this test switches to the OS user nobody and must run as root (as ./test.sh does here and in CI)");
        using var temp = new TempFolder();
        var directory = Path.Combine(temp.Path, "sandbox");
        await using var sandbox = await RedisSandbox.StartAsync(directory, default);
        await using (var client = await ConnectionMultiplexer.ConnectAsync(sandbox.Connection.ToOptions()))
        {
            await client.GetDatabase().StringSetAsync("restored:secret", "production data");
        }

        var cli = RedisTools.Find("redis-cli").Path;
        var withoutPassword = AsNobody(cli, "-h", "127.0.0.1", "-p", $"{sandbox.Port}", "GET", "restored:secret");
        Assert.Contains("NOAUTH", withoutPassword.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("production data", withoutPassword.Output, StringComparison.Ordinal);

        Assert.NotEqual(0, AsNobody("/bin/cat", sandbox.PasswordFile).ExitCode);
        Assert.NotEqual(0, AsNobody("/bin/cat", Path.Combine(directory, "redis.conf")).ExitCode);
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(directory) & AllPermissions);
        Assert.Equal(PrivateFile, File.GetUnixFileMode(sandbox.PasswordFile) & AllPermissions);
        Assert.Equal(PrivateFile, File.GetUnixFileMode(Path.Combine(directory, "redis.conf")) & AllPermissions);

        var password = (await File.ReadAllTextAsync(sandbox.PasswordFile)).Trim();
        var owner = Run(cli, new Dictionary<string, string> { ["REDISCLI_AUTH"] = password }, "-h", "127.0.0.1", "-p", $"{sandbox.Port}", "GET", "restored:secret");
        Assert.Equal("production data", owner.Output.Trim());
        Assert.DoesNotContain(password, File.ReadAllText($"/proc/{RedisPid(directory)}/cmdline"), StringComparison.Ordinal);
    }

    private const UnixFileMode AllPermissions = (UnixFileMode)0b111_111_111;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static string RedisPid(string directory) => File.ReadAllText(Path.Combine(directory, "redis.pid")).Trim();

    private static (int ExitCode, string Output) AsNobody(string file, params string[] arguments) => Run("runuser", ["-u", "nobody", "--", file, .. arguments]);

    private static (int ExitCode, string Output) Run(string file, params string[] arguments) => Run(file, new Dictionary<string, string>(), arguments);

    private static (int ExitCode, string Output) Run(string file, IDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("PGPASSWORD");
        info.Environment.Remove("REDISCLI_AUTH");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} hung");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
