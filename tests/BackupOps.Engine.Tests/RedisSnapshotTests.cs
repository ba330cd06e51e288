using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Redis snapshots against real redis-server 7: every common type survives snapshot → store → restore.</summary>
public sealed class RedisSnapshotTests
{
    [Theory]
    [InlineData("folder", false)]
    [InlineData("s3", false)]
    [InlineData("folder", true)]
    public async Task Every_type_survives_snapshot_store_and_sandbox_restore(string storeKind, bool logical)
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        var store = storeKind == "s3" ? $"s3://{await S3TestServer.Shared.CreateBucketAsync("redis")}/snapshots" : folder.Path;
        var s3 = storeKind == "s3" ? S3TestServer.Shared.Options : null;
        Dictionary<string, string> expected;
        Dictionary<string, TimeSpan> ttls;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection);
            expected = await RedisSampleData.FingerprintAsync(connection);
            ttls = await RedisSampleData.TtlsAsync(connection);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = store, S3 = s3, SourceName = "cache", Logical = logical }, null, default);

        Assert.Equal(logical ? "logical" : "rdb", snapshot.Manifest.Method);
        Assert.Equal(logical ? "scan" : "server-file", snapshot.Manifest.Obtained);
        Assert.Equal(new RedisDatabaseKeys(7, 1), snapshot.Manifest.Databases["0"]);
        Assert.Equal(new RedisDatabaseKeys(200, 50), snapshot.Manifest.Databases["3"]);
        Assert.StartsWith("7.", snapshot.Manifest.RedisVersion, StringComparison.Ordinal);

        var result = await RedisRestoreEngine.RunAsync(new RedisRestoreRequest
        {
            Store = store,
            S3 = s3,
            SnapshotId = snapshot.BackupId,
            KeepRunning = true,
            ExpectKeys = ["config:feature", "user:17"],
            Queues = [QueueBound.Parse("queue:emails=30..40"), QueueBound.Parse("stream:scans=12")],
        }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.True(result.KeptRunning);
        Assert.Contains(result.Checks, c => c.Name == "keys db3" && c.Outcome == CheckOutcome.Passed);
        var port = int.Parse(result.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        // The kept sandbox requires its random password, which only its 0600 file holds.
        Assert.NotNull(result.PasswordFile);
        using var restored = await RedisTestServer.Connect(port, (await File.ReadAllTextAsync(result.PasswordFile)).Trim());
        try
        {
            Assert.Equal(expected, await RedisSampleData.FingerprintAsync(restored));
            var elapsed = clock.Elapsed + TimeSpan.FromSeconds(2);
            Assert.All(await RedisSampleData.TtlsAsync(restored), t => Assert.InRange(t.Value, ttls[t.Key] - elapsed, ttls[t.Key]));
        }
        finally
        {
            try
            {
                restored.Server.Shutdown(StackExchange.Redis.ShutdownMode.Never);
            }
            catch (StackExchange.Redis.RedisConnectionException)
            {
                // the server closes the connection as it goes down
            }

            Directory.Delete(result.SandboxDirectory!, recursive: true);
        }
    }

    [Fact]
    public async Task Failed_checks_are_reported_and_the_sandbox_is_gone_afterwards()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 5);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, Transfer = RdbTransfer.Replication }, null, default);
        Assert.Equal("replication", snapshot.Manifest.Obtained);
        using var temp = new TempFolder();
        var result = await RedisRestoreEngine.RunAsync(new RedisRestoreRequest { Store = folder.Path, Latest = true, SourceName = redis.Settings.DefaultSourceName, ExpectKeys = ["no:such:key"], Queues = [QueueBound.Parse("queue:emails=..10")], TempDirectory = temp.Path }, null, default);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Checks, c => c.Name == "key no:such:key" && c.Outcome == CheckOutcome.Failed);
        Assert.Contains(result.Checks, c => c.Name == "queue queue:emails" && c.Outcome == CheckOutcome.Failed && c.Detail.Contains("length 37", StringComparison.Ordinal));
        Assert.Empty(Directory.GetDirectories(temp.Path));
    }

    [Fact]
    public async Task A_running_BGSAVE_is_waited_for_not_failed()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 2000);
            var server = connection.Server;
            server.ConfigSet("rdb-key-save-delay", "500"); // µs per key: about a second per save
            await server.SaveAsync(StackExchange.Redis.SaveType.BackgroundSave);
            Assert.Contains("rdb_bgsave_in_progress:1", string.Join("\n", (await server.InfoAsync("persistence")).SelectMany(g => g).Select(p => $"{p.Key}:{p.Value}")), StringComparison.Ordinal);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path }, null, default);

        Assert.Equal(2000, snapshot.Manifest.Databases["3"].Keys);
        Assert.NotNull(snapshot.Manifest.LastSaveUtc);
    }

    [Fact]
    public async Task A_flipped_byte_and_a_structurally_bad_RDB_are_refused_before_any_server_starts()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 50);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, SourceName = "cache" }, null, default);
        var data = Path.Combine(folder.Path, snapshot.Manifest.DataKey);
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(data, bytes);

        using var temp = new TempFolder();
        var request = new RedisRestoreRequest { Store = folder.Path, SnapshotId = snapshot.BackupId, TempDirectory = temp.Path };
        var mismatch = await Assert.ThrowsAsync<BackupOpsException>(() => RedisRestoreEngine.RunAsync(request, null, default));
        Assert.Equal("BackupChecksumMismatch", mismatch.ErrorId);
        Assert.Empty(Directory.GetDirectories(temp.Path));

        // Now a file whose hash matches its manifest but whose content is not a valid RDB (corrupted at the source).
        var manifestPath = Path.Combine(folder.Path, snapshot.ManifestKey);
        var manifest = Manifest.ManifestSerializer.Deserialize<RedisSnapshotManifest>(await File.ReadAllBytesAsync(manifestPath), manifestPath);
        File.Delete(manifestPath);
        await File.WriteAllBytesAsync(manifestPath, Manifest.ManifestSerializer.Serialize(manifest with { Sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant() }));
        var corrupt = await Assert.ThrowsAsync<BackupOpsException>(() => RedisRestoreEngine.RunAsync(request, null, default));
        Assert.Equal("RdbCorrupt", corrupt.ErrorId);
        Assert.Empty(Directory.GetDirectories(temp.Path));
    }

    [Fact]
    public async Task Wrong_password_and_unreachable_server_give_clear_errors_without_the_secret()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        const string wrong = "not-the-redis-password-123";

        var auth = await Assert.ThrowsAsync<BackupOpsException>(() => RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings with { Password = wrong }, Store = folder.Path }, null, default));
        Assert.Equal("RedisAuthenticationFailed", auth.ErrorId);
        Assert.DoesNotContain(wrong, auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(redis.Password, auth.ToString(), StringComparison.Ordinal);

        var down = await Assert.ThrowsAsync<BackupOpsException>(() => RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = new RedisConnectionSettings { Port = FreePort.Next(), Password = wrong }, Store = folder.Path }, null, default));
        Assert.Equal("RedisConnectionFailed", down.ErrorId);
        Assert.DoesNotContain(wrong, down.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "redis")));
        var records = Directory.GetFiles(Path.Combine(folder.Path, "runs"), "*.json", SearchOption.AllDirectories);
        Assert.Equal(2, records.Count(r => r.EndsWith("-snapshot-failure.json", StringComparison.Ordinal)));
        Assert.All(records, r => Assert.DoesNotContain(wrong, File.ReadAllText(r), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logical_snapshot_restores_into_a_running_server_and_refuses_to_overwrite_without_replace()
    {
        await using var source = await RedisTestServer.StartAsync();
        await using var target = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        Dictionary<string, string> expected;
        using (var connection = await source.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 20);
            expected = await RedisSampleData.FingerprintAsync(connection);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = source.Settings, Store = folder.Path, SourceName = "upstash-like", Logical = true }, null, default);
        var request = new RedisRestoreRequest { Store = folder.Path, SnapshotId = snapshot.BackupId, Mode = RedisRestoreMode.IntoServer, Target = target.Settings };

        var first = await RedisRestoreEngine.RunAsync(request, null, default);
        Assert.True(first.Succeeded, string.Join("\n", first.Checks));
        using (var restored = await target.ConnectAsync())
        {
            Assert.Equal(expected, await RedisSampleData.FingerprintAsync(restored));
        }

        Assert.Equal("RedisKeyExists", (await Assert.ThrowsAsync<BackupOpsException>(() => RedisRestoreEngine.RunAsync(request, null, default))).ErrorId);
        Assert.True((await RedisRestoreEngine.RunAsync(request with { Replace = true }, null, default)).Succeeded);
    }

    [Fact]
    public async Task Replacing_a_local_servers_data_swaps_the_rdb_restarts_it_and_keeps_AOF_on()
    {
        await using var redis = await RedisTestServer.StartAsync(appendOnly: true);
        using var folder = new TempFolder();
        Dictionary<string, string> expected;
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 30);
            expected = await RedisSampleData.FingerprintAsync(connection);
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, SourceName = "local" }, null, default);
        Assert.True(snapshot.Manifest.AofEnabled);
        using (var connection = await redis.ConnectAsync())
        {
            await connection.GetDatabase(0).KeyDeleteAsync("user:17");
            await connection.GetDatabase(0).StringSetAsync("written:after", "snapshot");
        }

        var result = await RedisRestoreEngine.RunAsync(new RedisRestoreRequest { Store = folder.Path, SnapshotId = snapshot.BackupId, Mode = RedisRestoreMode.ReplaceLocal, Target = redis.Settings }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        using var after = await redis.ConnectAsync();
        Assert.Equal(expected, await RedisSampleData.FingerprintAsync(after));
        var persistence = (await after.Server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("1", persistence["aof_enabled"]);
        Assert.True(File.Exists(Path.Combine(redis.Directory, $"dump.rdb.before-{snapshot.BackupId}")));
    }
}
