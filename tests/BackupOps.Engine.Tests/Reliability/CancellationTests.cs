using BackupOps.Engine.Backup;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Ctrl+C in PowerShell (StopProcessing) cancels the engine's token, not a process: the same cleanup must follow
/// from the token alone. Cancelled mid-stream, a restore drops its scratch database and a snapshot leaves no
/// partial file, and both record the run as cancelled.
/// </summary>
public sealed class CancellationTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_restore_cancelled_through_its_token_drops_the_scratch_database_and_records_the_cancellation()
    {
        using var folder = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("cancel_restore");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 24);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = folder.Path, CompressionLevel = 0 }, null, default);
        var target = Pg.NewDatabaseName("cancel_restore_target");
        using var cancel = new CancellationTokenSource();
        var progress = new Inline(p =>
        {
            if (p.BytesDone > 0 && p.Status.Contains("restoring", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target }, progress, cancel.Token));

        Assert.False(await Pg.DatabaseExistsAsync(target));
        Assert.Equal(0L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{target}_%'"));
        var records = Directory.GetFiles(Path.Combine(folder.Path, "runs"), "*", SearchOption.AllDirectories);
        Assert.Contains(records, f => f.EndsWith("-restore-cancelled.json", StringComparison.Ordinal));
        Assert.DoesNotContain(records, f => f.EndsWith("-started.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_snapshot_cancelled_through_its_token_leaves_no_partial_file()
    {
        await using var redis = await RedisTestServer.StartAsync();
        using (var connection = await redis.ConnectAsync())
        {
            await RedisSampleData.SeedAsync(connection, bulkKeys: 2000);
        }

        using var folder = new TempFolder();
        using var cancel = new CancellationTokenSource();
        var progress = new Inline(p =>
        {
            if (p.Status.StartsWith("uploading", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = redis.Settings, Store = folder.Path, SourceName = "queues" }, progress, cancel.Token));

        Assert.Empty(Directory.GetFiles(folder.Path, "*.partial", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "redis")) && Directory.EnumerateFiles(Path.Combine(folder.Path, "redis"), "*", SearchOption.AllDirectories).Any());
        Assert.Single(Directory.GetFiles(Path.Combine(folder.Path, "runs", "redis", "queues")), f => f.EndsWith("-snapshot-cancelled.json", StringComparison.Ordinal));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the cancellation must happen inline, mid-stream.</summary>
    private sealed class Inline(Action<OperationProgress> action) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => action(value);
    }
}
