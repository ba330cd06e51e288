using System.Diagnostics;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Tests.Servers;
using StackExchange.Redis;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// The stalls StackExchange.Redis 1.2.6 had, and the engine once worked around, against real redis-server 7:
/// each test fails (by its time limit) on a client that stalls, so the workarounds can stay deleted.
/// </summary>
public sealed class RedisClientStallTests
{
    // StackExchange.Redis 2.13 sometimes sits out the whole connect timeout on a refused endpoint (a lost wake-up,
    // see RedisConnector.EnsureListeningAsync): about 1 refused connect in 13 on the loaded 2-core machine, so 20 in a
    // row hit it with a probability near 80 % before the product refused without the client, and never after.
    private const int RefusedAttempts = 20;

    // 1.2.6 stalled 60-65 s on a refused connect followed by the next one; 2.13's worst case is its connect timeout.
    private static readonly TimeSpan ClientBound = RedisConnectionSettings.ConnectTimeout + TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_refused_first_connect_fails_within_the_connect_timeout()
    {
        for (var attempt = 1; attempt <= RefusedAttempts; attempt++)
        {
            var nothingListens = new RedisConnectionSettings { Port = FreePort.Next() };
            var clock = Stopwatch.StartNew();

            var error = await Assert.ThrowsAsync<BackupOpsException>(() => RedisConnector.ConnectAsync(nothingListens));

            Assert.Equal("RedisConnectionFailed", error.ErrorId);
            Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < RedisConnectionSettings.ConnectTimeout, $"refused connect {attempt} of {RefusedAttempts} took {clock.Elapsed.TotalSeconds:0.0} s (connect timeout {RedisConnectionSettings.ConnectTimeout.TotalSeconds} s)");
        }
    }

    [Fact]
    public async Task A_server_that_starts_after_a_refused_connect_is_found_by_the_next_connect()
    {
        // The shape of every "wait until it is up" loop (sandbox start, ReplaceLocal restart): refused, then up. The
        // refused attempt goes through the client itself, with the product's options, so that a client which stalls
        // on it or on the connect after it (1.2.6: 60-65 s) still fails this test; the product refuses before the
        // client is involved (the test above).
        await using var redis = await RedisTestServer.StartAsync();
        var refused = redis.Settings with { Port = FreePort.Next() };
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(refused.ToOptions()));
        Assert.True(clock.Elapsed < ClientBound, $"the client's refused connect took {clock.Elapsed.TotalSeconds:0.0} s");
        await Assert.ThrowsAsync<BackupOpsException>(() => RedisConnector.ConnectAsync(refused));

        clock.Restart();
        using (var session = await RedisConnector.ConnectAsync(redis.Settings))
        {
            Assert.True(await session.Database().PingAsync() < TimeSpan.FromSeconds(1));
        }

        Assert.True(clock.Elapsed < RedisConnectionSettings.ConnectTimeout, $"the connect after a refused one took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Closing_after_Lua_scripts_returns_promptly(bool fromSingleThreadedContext)
    {
        // 1.2.6 waited out its whole sync timeout (60 s here) when closed from a thread with a SynchronizationContext.
        await using var redis = await RedisTestServer.StartAsync();
        var session = await RedisConnector.ConnectAsync(redis.Settings);
        var database = session.Database();
        for (var i = 0; i < 20; i++)
        {
            await database.ScriptEvaluateAsync("return redis.call('SET', KEYS[1], ARGV[1])", [(RedisKey)$"lua:{i}"], [i]);
        }

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => database.ScriptEvaluateAsync("return redis.call('INCR', KEYS[1])", [(RedisKey)$"lua:{i % 20}"])));
        Assert.Equal(20L, (long)await database.ScriptEvaluateAsync("return #redis.call('KEYS', 'lua:*')"));

        var clock = Stopwatch.StartNew();
        var closed = fromSingleThreadedContext
            ? SingleThreadContext.Run(() => { session.Dispose(); return Task.CompletedTask; }, pump: false, TimeSpan.FromSeconds(20))
            : await Task.Run(session.Dispose).WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

        Assert.True(closed, "closing after EVAL did not return within 20 s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"closing after EVAL took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Blocking_calls_from_a_thread_with_a_single_threaded_SynchronizationContext_do_not_stall()
    {
        // The cmdlet shape: the pipeline thread (which has a context nothing pumps while it waits) blocks on the
        // engine and on the client's synchronous API. A client that posts its own continuations to the caller's
        // context deadlocks here (1.2.6's connect and close did).
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        long keys = 0;
        var finished = SingleThreadContext.Run(
            () =>
            {
                using (var session = Block(RedisConnector.ConnectAsync(redis.Settings)))
                {
                    var database = session.Database();
                    database.StringSet("config:feature", "on");
                    database.ListRightPush("queue:emails", ["a", "b", "c"]);
                    database.ScriptEvaluate("return redis.call('INCR', KEYS[1])", [(RedisKey)"counter"]);
                    Block(database.StringSetAsync("written:async", "yes"));
                }

                keys = Block(RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, Logical = true, Reporting = new Health.RunReporting { RecordRuns = false } }, null, default)).Manifest.Databases["0"].Keys;
                return Task.CompletedTask;
            },
            pump: false,
            TimeSpan.FromSeconds(30));

        Assert.True(finished, "blocking Redis calls from a single-threaded SynchronizationContext did not finish within 30 s");
        Assert.Equal(4, keys);
    }

    [Fact]
    public async Task Awaiting_on_a_single_threaded_SynchronizationContext_does_not_stall()
    {
        // The GUI shape: awaits resume on the one thread, which pumps while it waits.
        await using var redis = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        long keys = 0;
        var finished = SingleThreadContext.Run(
            async () =>
            {
                using (var session = await RedisConnector.ConnectAsync(redis.Settings))
                {
                    var database = session.Database();
                    await database.StringSetAsync("config:feature", "on");
                    await database.ScriptEvaluateAsync("return redis.call('INCR', KEYS[1])", [(RedisKey)"counter"]);
                }

                keys = (await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, Logical = true, Reporting = new Health.RunReporting { RecordRuns = false } }, null, default)).Manifest.Databases["0"].Keys;
            },
            pump: true,
            TimeSpan.FromSeconds(30));

        Assert.True(finished, "Redis calls awaited on a single-threaded SynchronizationContext did not finish within 30 s");
        Assert.Equal(2, keys);
    }

    private static T Block<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
