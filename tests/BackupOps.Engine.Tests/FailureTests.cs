using System.Diagnostics;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>What must not happen when things go wrong: damaged backups used, half backups left valid, targets clobbered.</summary>
public sealed class FailureTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_flipped_byte_in_a_folder_backup_is_refused_and_no_target_is_created(int jobs)
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("flip");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path }, null, default);
        FlipByte(Path.Combine(folder.Path, backup.Manifest.DataKey), backup.Manifest.SizeBytes / 2);

        var target = Pg.NewDatabaseName("flip_target");
        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, Jobs = jobs }, null, default));

        Assert.Equal("BackupChecksumMismatch", error.ErrorId);
        Assert.Contains(backup.Manifest.Sha256, error.Message, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(target));
        Assert.Equal(0L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE starts_with(datname, '{target}_restoring_')"));
    }

    [Fact]
    public async Task A_tampered_S3_object_is_refused_and_an_existing_target_is_left_as_it_was()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("tamper");
        var source = await Pg.CreateDatabaseAsync("tamper");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var store = $"s3://{bucket}";
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options }, null, default);

        using (var client = s3.CreateClient())
        {
            using var original = await client.GetObjectAsync(bucket, backup.Manifest.DataKey);
            using var copy = new MemoryStream();
            await original.ResponseStream.CopyToAsync(copy);
            var bytes = copy.ToArray();
            bytes[bytes.Length / 3] ^= 0x40;
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = backup.Manifest.DataKey, InputStream = new MemoryStream(bytes) });
        }

        var target = await Pg.CreateDatabaseAsync("tamper_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (7)");

        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = target, Force = true }, null, default));

        Assert.Equal(BackupOpsErrorKind.IntegrityFailed, error.Kind);
        Assert.Equal(7, await Pg.ScalarAsync(target, "SELECT id FROM keep_me"));
    }

    [Fact]
    public async Task A_non_empty_target_is_refused_without_force_and_replaced_with_force()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("force");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 1);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path }, null, default);
        var target = await Pg.CreateDatabaseAsync("force_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)");
        var request = new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target };

        var refused = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(request, null, default));
        Assert.Equal("TargetNotEmpty", refused.ErrorId);
        Assert.Contains("-Force", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Pg.ScalarAsync(target, "SELECT id FROM precious"));

        var result = await PgRestoreEngine.RunAsync(request with { Force = true }, null, default);
        Assert.True(result.Succeeded);
        Assert.Equal(DBNull.Value, await Pg.ScalarAsync(target, "SELECT to_regclass('public.precious')::text"));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task A_killed_pg_dump_leaves_no_valid_backup_and_no_open_multipart_upload()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("killed");
        var source = await Pg.CreateDatabaseAsync("killed");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 24);
        var store = $"s3://{bucket}";
        var killed = 0;
        var progress = new SyncProgress(p =>
        {
            // Once more than a part has gone up, kill pg_dump the way an OOM killer or an operator would.
            if (p.BytesDone > S3StoreOptions.MinimumPartSize + (1 << 20) && Interlocked.Exchange(ref killed, 1) == 0)
            {
                KillPgDumpOf(source);
            }
        });

        var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options, CompressionLevel = 0 }, progress, default));

        Assert.Equal(1, killed);
        Assert.Equal("PgDumpFailed", error.ErrorId);
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
        var keys = await s3.ListKeysAsync(bucket);
        Assert.DoesNotContain(keys, k => k.StartsWith("pg/", StringComparison.Ordinal));
        Assert.Single(keys, k => k.StartsWith("runs/postgresql/", StringComparison.Ordinal) && k.EndsWith("-backup-failure.json", StringComparison.Ordinal));
        await using var opened = StoreLocation.Open(store, s3.Options);
        Assert.Empty((await BackupCatalog.ListAsync(opened, new BackupCatalog.Filter(), default)).Backups);
    }

    [Fact]
    public async Task A_cancelled_backup_to_a_folder_leaves_no_file_behind()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("cancel");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 8);
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.BytesDone > 0)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, CompressionLevel = 0 }, progress, cancel.Token));

        // Nothing of the backup; only the record that it was cancelled (and no "started" record saying it still runs).
        var files = Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder.Path, f)).ToList();
        Assert.Equal($"runs/postgresql/{source}", Path.GetDirectoryName(Assert.Single(files))!.Replace('\\', '/'));
        Assert.EndsWith("-backup-cancelled.json", files[0], StringComparison.Ordinal);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

    private static void KillPgDumpOf(string database)
    {
        foreach (var process in Process.GetProcessesByName("pg_dump"))
        {
            var commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
            if (commandLine.Contains($"--port={Pg.Port}", StringComparison.Ordinal) && commandLine.EndsWith($" {database} ", StringComparison.Ordinal))
            {
                process.Kill();
            }
        }
    }

    /// <summary>Progress<T> posts to the thread pool; tests need the callback inline.</summary>
    private sealed class SyncProgress(Action<OperationProgress> action) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => action(value);
    }
}
