using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// Restores that run while the bytes are hashed: every path (stream, local --jobs, staged parallel from a growing
/// download, encrypted) must refuse a damaged backup, leave an existing target as it was and leave no scratch
/// database behind.
/// </summary>
public sealed class VerifiedRestoreTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public async Task A_damaged_remote_backup_is_refused_after_a_concurrent_restore_and_the_target_keeps_its_data(int jobs, bool encrypted)
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("damaged");
        var store = $"s3://{bucket}";
        var source = await Pg.CreateDatabaseAsync("damaged");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 6);
        var request = new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options, AgeRecipients = encrypted ? [AgeKeys.Shared.Recipient] : [] };
        var backup = await PgBackupEngine.RunAsync(request, null, default);

        // A flipped byte late in the object: restoring can get far before the hash is known.
        using (var client = s3.CreateClient())
        {
            using var original = await client.GetObjectAsync(bucket, backup.Manifest.DataKey);
            using var copy = new MemoryStream();
            await original.ResponseStream.CopyToAsync(copy);
            var bytes = copy.ToArray();
            bytes[bytes.Length * 9 / 10] ^= 0x01;
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = backup.Manifest.DataKey, InputStream = new MemoryStream(bytes) });
        }

        var target = await Pg.CreateDatabaseAsync("damaged_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (7)");
        var restore = new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = target, Force = true, Jobs = jobs, IdentityFile = encrypted ? AgeKeys.Shared.IdentityFile : null };

        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(restore, null, default));

        Assert.Equal("BackupChecksumMismatch", error.ErrorId);
        Assert.Contains(backup.Manifest.Sha256, error.Message, StringComparison.Ordinal);
        Assert.Equal(7, await Pg.ScalarAsync(target, "SELECT id FROM keep_me"));
        Assert.Equal(0L, await ScratchDatabasesOfAsync(target));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_good_backup_replaces_a_forced_target_through_a_scratch_database(int jobs)
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("swap");
        var store = $"s3://{bucket}";
        var source = await Pg.CreateDatabaseAsync("swap");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 6);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options }, null, default);
        var target = await Pg.CreateDatabaseAsync("swap_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE old_data (id int)");

        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = target, Force = true, Jobs = jobs }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.False(result.CreatedDatabase);
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
        Assert.Equal(DBNull.Value, await Pg.ScalarAsync(target, "SELECT to_regclass('public.old_data')::text"));
        Assert.Equal(0L, await ScratchDatabasesOfAsync(target));
    }

    [Fact]
    public void Table_data_is_balanced_by_recorded_size_and_each_list_keeps_archive_order()
    {
        const string toc = """
            ;
            ; Archive created at 2026-11-21
            215; 1259 16392 TABLE public attendees postgres
            218; 1259 16428 TABLE public receipts postgres
            3369; 0 16392 TABLE DATA public attendees postgres
            3368; 0 16385 TABLE DATA public events postgres
            3372; 0 16428 TABLE DATA public receipts postgres
            3370; 0 16404 TABLE DATA public tickets postgres
            3380; 0 0 SEQUENCE SET public ids postgres
            3215; 2606 16398 CONSTRAINT public attendees attendees_pkey postgres
            """;
        TableRowInfo[] sizes = [new("public.attendees", 0, null, 300), new("public.events", 0, null, 100), new("public.receipts", 0, null, 1000), new("public.tickets", 0, null, 200)];

        var lists = StagedParallelRestore.SplitTableData(toc, 2, sizes);

        Assert.Equal(2, lists.Count);
        var receipts = lists.Single(l => l.Any(e => e.Contains("DATA public receipts", StringComparison.Ordinal)));
        var others = lists.Single(l => l != receipts);
        Assert.Equal(["3369; 0 16392 TABLE DATA public attendees postgres", "3368; 0 16385 TABLE DATA public events postgres", "3370; 0 16404 TABLE DATA public tickets postgres"], others.Where(e => e.Contains("TABLE DATA", StringComparison.Ordinal)));
        Assert.Contains("3380; 0 0 SEQUENCE SET public ids postgres", lists[0]);
        Assert.All(lists, l => Assert.Equal(l.OrderBy(e => toc.IndexOf(e, StringComparison.Ordinal)), l));

        // More jobs than tables, and no recorded sizes (an older manifest): one table per worker.
        var unsized = StagedParallelRestore.SplitTableData(toc, 8, []);
        Assert.Equal(4, unsized.Count);
        Assert.All(unsized, l => Assert.Single(l, e => e.Contains("TABLE DATA", StringComparison.Ordinal)));
    }

    private static async Task<long> ScratchDatabasesOfAsync(string target) =>
        (long)(await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE starts_with(datname, '{target}_restoring_')"))!;
}
