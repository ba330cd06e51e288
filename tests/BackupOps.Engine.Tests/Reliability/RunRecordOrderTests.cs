using System.Text.Json;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// The started record is written while the work begins (issue #16: the S3 client's first request overlaps the
/// database connection). Whatever the timing, a finished run leaves exactly its outcome record, and an annotation
/// made at once (a restore naming its scratch database) is in the started record while the work runs: on the real
/// RGW, where the started write takes longest, and in a folder.
/// </summary>
public sealed class RunRecordOrderTests
{
    [Fact]
    public async Task Runs_that_finish_before_their_started_record_could_land_leave_only_their_outcome_on_RGW()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("runorder");
        await AssertOnlyOutcomesAsync($"s3://{bucket}", s3.Options);
    }

    [Fact]
    public async Task Runs_that_finish_before_their_started_record_could_land_leave_only_their_outcome_in_a_folder()
    {
        using var work = new TempFolder();
        await AssertOnlyOutcomesAsync(Path.Combine(work.Path, "backups"), null);
    }

    [Fact]
    public async Task An_annotation_made_as_the_work_begins_is_in_the_started_record_while_the_work_runs()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("runannotate");
        var spec = $"s3://{bucket}";
        await using var store = StoreLocation.Open(spec, s3.Options);
        var context = new RunContext(spec, s3.Options, "postgresql", "annotated", "restore", new RunReporting());
        string? seenWhileRunning = null;
        await RunTracker.TrackAsync(
            context,
            async () =>
            {
                await RunTracker.Current!.AnnotateAsync("scratchDatabase", "annotated_scratch_1");
                var started = await KeysAsync(store);
                var key = Assert.Single(started);
                Assert.EndsWith("-restore-started.json", key, StringComparison.Ordinal);
                seenWhileRunning = JsonDocument.Parse((await store.TryGetSmallAsync(key, default))!).RootElement.GetProperty("details").GetProperty("scratchDatabase").GetString();
                return 1;
            },
            _ => new RunSummary(true, null, null));

        Assert.Equal("annotated_scratch_1", seenWhileRunning);
        var finished = await KeysAsync(store);
        Assert.EndsWith("-restore-success.json", Assert.Single(finished), StringComparison.Ordinal);
    }

    private static async Task AssertOnlyOutcomesAsync(string spec, S3StoreOptions? options)
    {
        const int Runs = 12;
        for (var i = 0; i < Runs; i++)
        {
            var context = new RunContext(spec, options, "postgresql", "instant", "backup", new RunReporting());
            if (i % 2 == 0)
            {
                // Finishes at once: before the started record's write has even begun, on most runs.
                await RunTracker.TrackAsync(context, () => Task.FromResult(i), _ => new RunSummary(true, 1, null));
            }
            else
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => RunTracker.TrackAsync<int>(context, () => throw new InvalidOperationException("failed at once"), _ => new RunSummary(true, 1, null)));
            }
        }

        await using var store = StoreLocation.Open(spec, options);
        var keys = await KeysAsync(store);
        Assert.Equal(Runs, keys.Count);
        Assert.DoesNotContain(keys, k => k.EndsWith("-started.json", StringComparison.Ordinal));
        Assert.Equal(Runs / 2, keys.Count(k => k.EndsWith("-backup-success.json", StringComparison.Ordinal)));
        Assert.Equal(Runs / 2, keys.Count(k => k.EndsWith("-backup-failure.json", StringComparison.Ordinal)));
    }

    private static async Task<List<string>> KeysAsync(IBackupStore store)
    {
        var keys = new List<string>();
        await foreach (var item in store.ListAsync(RunTracker.Prefix, default))
        {
            keys.Add(item.Key);
        }

        return keys;
    }
}
