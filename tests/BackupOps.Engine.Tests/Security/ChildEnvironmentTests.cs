using System.Globalization;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Least privilege for children (#13 item 1): every child BackupOps starts is read through /proc/&lt;pid&gt;/environ while
/// it runs, and carries no secret it does not need. The CLI is started with a unique TMPDIR (a variable every child
/// keeps) so that its children, grandchildren and the daemons it leaves to init (a postmaster, a sandbox redis-server)
/// can be told apart from every other process on the machine.
/// </summary>
public sealed class ChildEnvironmentTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task The_drill_demo_children_carry_none_of_the_secrets_backupops_was_given()
    {
        using var work = new TempFolder();
        using var marker = new MarkerTemp();
        var canary = "canary" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var environment = new Dictionary<string, string?>
        {
            ["TMPDIR"] = marker.Path,
            ["PGPASSWORD"] = canary + "pgpassword",
            ["AWS_SECRET_ACCESS_KEY"] = canary + "aws",
            ["AWS_SESSION_TOKEN"] = canary + "session",
            ["BACKUPOPS_SSE_C_KEY"] = canary + "ssec",
            ["REDIS_PASSWORD"] = canary + "redis",
            ["REDISCLI_AUTH"] = canary + "redis",
            ["BACKUPOPS_WEBHOOK_URL"] = "http://127.0.0.1:9/" + canary + "webhook",
            ["DATABASE_URL"] = $"postgresql://postgres:{canary}url@127.0.0.1:9/postgres",
        };

        using var spy = new ChildSpy(marker.Path);
        using var drill = CliProcess.Start(work.Path, environment, "drill", "--demo", "--temp-dir", marker.Path);
        spy.Exclude(drill.Id);
        var run = await drill.WaitForExitAsync(TimeSpan.FromMinutes(5));
        var children = spy.Stop();

        Assert.True(run.ExitCode == 0, run.All);
        // The long-lived ones are always caught by the sampler; pg_dump and pg_restore of the tiny demo can finish
        // between two samples, and the paused test below holds them for inspection. redis-server is checked whenever it
        // is caught but cannot be required: setting its process title, Redis clears the memory /proc/<pid>/environ reads,
        // so it carries no marker moments after exec (a CI run missed it, and holding it at a pause did not help).
        foreach (var kind in new[] { "initdb", "pg_ctl", "postgres" })
        {
            Assert.True(children.Any(c => c.Command == kind), $"no {kind} was seen; seen: {string.Join(", ", children.Select(c => c.Command).Distinct())}");
        }

        var leaks = children.Where(c => c.Environment.Contains(canary, StringComparison.Ordinal)).Select(c => $"{c.Command} ({c.Pid}): {Names(c.Environment, canary)}").ToList();
        Assert.True(leaks.Count == 0, "children carried secrets: " + string.Join("; ", leaks));
    }

    [Fact]
    public async Task Backup_and_parallel_restore_give_the_password_to_libpq_tools_only_and_no_store_secret_to_any()
    {
        using var work = new TempFolder();
        using var marker = new MarkerTemp();
        var keys = AgeKeys.Shared;
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("child_env");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 4);
        var resume = Path.Combine(work.Path, "resume");
        var environment = new Dictionary<string, string?>
        {
            ["TMPDIR"] = marker.Path,
            ["DATABASE_URL"] = Pg.Url(db),
            ["BACKUP_DIR"] = store,
            ["AWS_SECRET_ACCESS_KEY"] = "canary-aws-secret",
            ["BACKUPOPS_SSE_C_KEY"] = "canary-sse-c-key",
            ["BACKUPOPS_WEBHOOK_URL"] = "http://127.0.0.1:9/canary-webhook",
            ["BACKUPOPS_TEST_RESUME_FILE"] = resume,
        };

        var children = new List<ChildSpy.Child>();
        using (var spy = new ChildSpy(marker.Path))
        {
            environment["BACKUPOPS_TEST_PAUSE_AT"] = "backup:streaming";
            using var backup = CliProcess.Start(work.Path, environment, "pg", "backup", "--recipient", keys.Recipient, "--compress", "0");
            spy.Exclude(backup.Id);
            await backup.WaitForPauseAsync("backup:streaming");
            await spy.WaitForAsync("pg_dump", "age");
            await File.WriteAllTextAsync(resume, string.Empty);
            var backed = await backup.WaitForExitAsync(TimeSpan.FromMinutes(2));
            Assert.True(backed.ExitCode == 0, backed.All);
            File.Delete(resume);

            environment["BACKUPOPS_TEST_PAUSE_AT"] = "restore:restoring";
            var target = Pg.NewDatabaseName("child_env_target");
            using var restore = CliProcess.Start(work.Path, environment, "pg", "restore", "--latest", "--target-database", target, "--identity", keys.IdentityFile, "--jobs", "2", "--temp-dir", marker.Path);
            spy.Exclude(restore.Id);
            await restore.WaitForPauseAsync("restore:restoring");
            await spy.WaitForAsync("age"); // pg_restore starts once the staged archive is complete
            await File.WriteAllTextAsync(resume, string.Empty);
            var restored = await restore.WaitForExitAsync(TimeSpan.FromMinutes(2));
            Assert.True(restored.ExitCode == 0, restored.All);
            children.AddRange(spy.Stop());
        }

        // The tools' "--version" probes connect nowhere: they get the base only.
        var libpq = children.Where(c => c.Command is "pg_dump" or "pg_restore" && !c.CommandLine.Contains("--version", StringComparison.Ordinal)).ToList();
        Assert.Contains(libpq, c => c.Command == "pg_dump");
        Assert.Contains(libpq, c => c.Command == "pg_restore");
        Assert.All(libpq, c => Assert.Equal(Pg.Password, c.Variable("PGPASSWORD")));
        Assert.Contains(children, c => c.Command == "age");
        foreach (var child in children)
        {
            Assert.Null(child.Variable("DATABASE_URL"));
            foreach (var secret in new[] { "canary-aws-secret", "canary-sse-c-key", "canary-webhook" })
            {
                Assert.False(child.Environment.Contains(secret, StringComparison.Ordinal), $"{child.Command} carried {secret}");
            }

            if (child.Command is not ("pg_dump" or "pg_restore"))
            {
                Assert.False(child.Environment.Contains(Pg.Password, StringComparison.Ordinal), $"{child.Command} carried the database password");
            }
        }
    }

    private static string Names(string environment, string canary) =>
        string.Join(", ", environment.Split('\0').Where(v => v.Contains(canary, StringComparison.Ordinal)).Select(v => v.Split('=')[0]));

    /// <summary>A unique, short TMPDIR (socket paths are short) that the postgres user can use too.</summary>
    private sealed class MarkerTemp : IDisposable
    {
        public MarkerTemp()
        {
            Path = "/tmp/bo-env-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
            Directory.CreateDirectory(Path);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("1777", 8));
            }
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // a daemon's leftover is reported by its own test
            }
        }
    }
}

/// <summary>Samples /proc every few milliseconds for processes whose environment holds a marker TMPDIR.</summary>
internal sealed class ChildSpy : IDisposable
{
    private readonly string _marker;
    private readonly HashSet<int> _excluded = [];
    private readonly HashSet<string> _excludedCommandLines = [];
    private readonly Dictionary<(int, string), ChildSpy.Child> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ChildSpy(string markerTempDirectory)
    {
        _marker = "TMPDIR=" + markerTempDirectory + "\0";
        _loop = Task.Run(LoopAsync);
    }

    public sealed record Child(int Pid, string Command, string CommandLine, string Environment)
    {
        public string? Variable(string name) =>
            Environment.Split('\0').FirstOrDefault(v => v.StartsWith(name + "=", StringComparison.Ordinal)) is { } pair ? pair[(name.Length + 1)..] : null;
    }

    /// <summary>The process BackupOps runs as (it was given the secrets on purpose).</summary>
    public void Exclude(int pid)
    {
        var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        lock (_seen)
        {
            _excluded.Add(pid);
            _excludedCommandLines.Add(commandLine);
            foreach (var key in _seen.Where(s => s.Key.Item1 == pid || s.Value.CommandLine == commandLine).Select(s => s.Key).ToList())
            {
                _seen.Remove(key);
            }
        }
    }

    public async Task WaitForAsync(params string[] commands)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            lock (_seen)
            {
                if (commands.All(c => _seen.Values.Any(s => s.Command == c)))
                {
                    return;
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"not all of {string.Join(", ", commands)} were seen running");
    }

    public List<Child> Stop()
    {
        _stop.Cancel();
        _loop.Wait();
        lock (_seen)
        {
            return [.. _seen.Values];
        }
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _loop.Wait();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var self = Environment.ProcessId;
        while (!_stop.IsCancellationRequested)
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
                {
                    continue;
                }

                string environment;
                string command;
                string commandLine;
                try
                {
                    environment = await File.ReadAllTextAsync(Path.Combine(directory, "environ"));
                    command = (await File.ReadAllTextAsync(Path.Combine(directory, "comm"))).Trim();
                    commandLine = (await File.ReadAllTextAsync(Path.Combine(directory, "cmdline"))).Replace('\0', ' ');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue; // exited meanwhile
                }

                if (!environment.Contains(_marker, StringComparison.Ordinal))
                {
                    continue;
                }

                lock (_seen)
                {
                    // A child between fork and exec is still a copy of BackupOps (its environment, its command line, the
                    // name of the .NET thread that forked it): what counts is what it runs after exec, seen moments later.
                    if (!_excluded.Contains(pid) && !_excludedCommandLines.Contains(commandLine))
                    {
                        _seen.TryAdd((pid, command), new Child(pid, command, commandLine, environment));
                    }
                }
            }

            try
            {
                await Task.Delay(5, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
