using System.Security.Cryptography;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// A request cancelled in flight may still take effect on the server: Ceph RGW creates the multipart upload (or
/// stores the object) and only then finds the client gone. The Pester case that stops Invoke-PgBackup to S3 left
/// "incomplete multipart upload ..." about one run in three this way (RGW's log: the CreateMultipartUpload answered
/// 200 with "complete_request() returned Broken pipe", and no abort followed, because no upload id ever reached the
/// engine). Here a proxy in front of the real RGW lets the request through and withholds its answer, then the
/// token is cancelled: whatever the request created must be removed, whether its answer comes late or never.
/// </summary>
public sealed class UnansweredRequestTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    private static S3TestServer S3 => S3TestServer.Shared;

    public static TheoryData<bool> AnswerLateOrNever => new() { true, false };

    [Theory]
    [MemberData(nameof(AnswerLateOrNever))]
    public async Task A_backup_cancelled_while_its_multipart_upload_is_being_created_leaves_no_upload_and_no_object(bool answerLate)
    {
        var bucket = await S3.CreateBucketAsync("unanswered-create");
        var db = await Pg.CreateDatabaseAsync("unanswered_create");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 12);
        await using var proxy = new HoldingS3Proxy(S3.Options.Endpoint!, line => line.StartsWith("POST ", StringComparison.Ordinal) && line.Contains("?uploads ", StringComparison.Ordinal));
        using var cancel = new CancellationTokenSource();
        var request = new PgBackupRequest { Connection = Pg.Settings(db), Store = $"s3://{bucket}/pg", S3 = Through(proxy), CompressionLevel = 0 };

        var backup = PgBackupEngine.RunAsync(request, null, cancel.Token);
        await proxy.ServerAnswered.WaitAsync(TimeSpan.FromSeconds(60));

        // The server has created the upload; its id has not reached the engine.
        Assert.StartsWith("HTTP/1.1 200", proxy.HeldStatus, StringComparison.Ordinal);
        Assert.Equal(1, await S3.CountMultipartUploadsAsync(bucket));
        await cancel.CancelAsync();
        Settle(proxy, answerLate);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, await S3.CountMultipartUploadsAsync(bucket));
        var keys = await S3.ListKeysAsync(bucket);
        Assert.DoesNotContain(keys, k => !k.StartsWith("pg/runs/", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.EndsWith("-backup-cancelled.json", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AnswerLateOrNever))]
    public async Task A_write_cancelled_while_its_multipart_upload_is_being_completed_leaves_no_object_and_reports_nothing(bool answerLate)
    {
        var bucket = await S3.CreateBucketAsync("unanswered-complete");
        await using var proxy = new HoldingS3Proxy(S3.Options.Endpoint!, line => line.StartsWith("POST ", StringComparison.Ordinal) && line.Contains("?uploadId=", StringComparison.Ordinal));
        var leftBehind = await CancelCommitAsync(bucket, proxy, RandomNumberGenerator.GetBytes((6 << 20) + 1234), answerLate);

        Assert.Null(leftBehind);
        Assert.Empty(await S3.ListKeysAsync(bucket));
        Assert.Equal(0, await S3.CountMultipartUploadsAsync(bucket));
    }

    [Theory]
    [MemberData(nameof(AnswerLateOrNever))]
    public async Task A_small_write_cancelled_while_its_single_PUT_is_in_flight_leaves_no_object_and_reports_nothing(bool answerLate)
    {
        var bucket = await S3.CreateBucketAsync("unanswered-put");
        await using var proxy = new HoldingS3Proxy(S3.Options.Endpoint!, line => line.StartsWith("PUT ", StringComparison.Ordinal) && line.Contains("/data.dump ", StringComparison.Ordinal));
        var leftBehind = await CancelCommitAsync(bucket, proxy, RandomNumberGenerator.GetBytes(4096), answerLate);

        Assert.Null(leftBehind);
        Assert.Empty(await S3.ListKeysAsync(bucket));
    }

    // Writes the bytes, commits, and cancels once the server has stored the object but before the client hears so.
    private static async Task<string?> CancelCommitAsync(string bucket, HoldingS3Proxy proxy, byte[] content, bool answerLate)
    {
        await using var store = new S3BackupStore(bucket, "pg", Through(proxy));
        using var cancel = new CancellationTokenSource();
        var writer = await store.BeginWriteAsync("data.dump", content.Length, default);
        await using (writer)
        {
            await writer.WriteAsync(content, cancel.Token);
            var commit = writer.CommitAsync(Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), cancel.Token);
            await proxy.ServerAnswered.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.StartsWith("HTTP/1.1 200", proxy.HeldStatus, StringComparison.Ordinal);
            Assert.Contains("pg/data.dump", await S3.ListKeysAsync(bucket));
            await cancel.CancelAsync();
            Settle(proxy, answerLate);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => commit.WaitAsync(TimeSpan.FromSeconds(60)));
            return await writer.AbortAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    // A late answer comes a moment after the cancellation; no answer: the connection closes without one.
    private static void Settle(HoldingS3Proxy proxy, bool answerLate) =>
        _ = Task.Delay(answerLate ? 300 : 0).ContinueWith(_ => { if (answerLate) { proxy.Release(); } else { proxy.Drop(); } }, TaskScheduler.Default);

    // The shared RGW through the proxy, with a short stall deadline: an answer that never comes costs seconds here.
    private static S3StoreOptions Through(HoldingS3Proxy proxy) => S3.Options with { Endpoint = proxy.Endpoint, StallTimeout = TimeSpan.FromSeconds(3) };
}
