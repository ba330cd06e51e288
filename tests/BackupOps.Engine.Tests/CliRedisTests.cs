using System.Text.Json;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>`backupops redis snapshot|list|restore|prune` as processes against a real redis-server.</summary>
public sealed class CliRedisTests
{
    [Fact]
    public async Task Snapshot_list_restore_and_prune_through_the_cli_without_printing_the_password()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var work = new TempFolder();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 10);
        }

        var env = new Dictionary<string, string?> { ["REDIS_URL"] = $"redis://127.0.0.1:{redis.Port}", ["REDIS_PASSWORD"] = redis.Password };
        var runs = new List<BackupOpsCli.Run>
        {
            await BackupOpsCli.RunAsync(work.Path, env, "redis", "snapshot", "--source", "queues"),
            await BackupOpsCli.RunAsync(work.Path, env, "redis", "snapshot", "--source", "queues", "--logical"),
        };
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.All));

        var list = await BackupOpsCli.RunAsync(work.Path, env, "redis", "list", "--json");
        runs.Add(list);
        var snapshots = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("snapshots");
        Assert.Equal(2, snapshots.GetArrayLength());
        Assert.Equal("logical", snapshots[0].GetProperty("method").GetString());

        var restore = await BackupOpsCli.RunAsync(work.Path, env, "redis", "restore", "--latest", "--source", "queues", "--queue", "queue:emails=37", "--expect-key", "user:17");
        runs.Add(restore);
        Assert.True(restore.ExitCode == 0, restore.All);
        Assert.Contains("PASSED  queue queue:emails: length 37", restore.Stdout, StringComparison.Ordinal);

        var failing = await BackupOpsCli.RunAsync(work.Path, env, "redis", "restore", "--latest", "--source", "queues", "--queue", "queue:emails=..5");
        runs.Add(failing);
        Assert.Equal(1, failing.ExitCode);

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "redis", "prune", "--retention-days", "1", "--json");
        runs.Add(prune);
        Assert.Equal(0, prune.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(prune.Stdout).RootElement.GetProperty("kept").GetInt32());

        Assert.Equal(2, (await BackupOpsCli.RunAsync(work.Path, env, "redis", "restore", "--latest")).ExitCode);
        var badPassword = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["REDIS_URL"] = $"redis://:{redis.Password}x@127.0.0.1:{redis.Port}" }, "redis", "snapshot");
        runs.Add(badPassword);
        Assert.Equal(1, badPassword.ExitCode);
        Assert.Contains("RedisAuthenticationFailed", badPassword.Stderr, StringComparison.Ordinal);
        Assert.All(runs, r => Assert.DoesNotContain(redis.Password, r.All, StringComparison.Ordinal));
    }
}
