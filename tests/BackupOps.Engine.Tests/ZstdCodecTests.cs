using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Tests.Servers;
using BackupOps.Engine.Verification;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// zstd outside pg_dump (the default codec): the manifest names the codec, restores decompress in the stream on
/// every path (one job, --jobs from a local file, encrypted), backups compressed by pg_dump itself (every backup
/// before zstd) still restore, and the stored object restores with stock tools (<c>zstd -d | pg_restore</c>).
/// </summary>
public sealed class ZstdCodecTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public async Task A_default_backup_is_zstd_around_an_uncompressed_archive_and_restores_from_a_folder(int jobs, bool encrypted)
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("zstd_src");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 3);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, AgeRecipients = encrypted ? [AgeKeys.Shared.Recipient] : [] }, null, default);

        Assert.Equal("zstd", backup.Manifest.Codec);
        Assert.EndsWith(encrypted ? ".dump.zst.age" : ".dump.zst", backup.Manifest.DataKey, StringComparison.Ordinal);
        if (!encrypted)
        {
            var head = new byte[4];
            await using (var file = File.OpenRead(Path.Combine(folder.Path, backup.Manifest.DataKey)))
            {
                await file.ReadExactlyAsync(head);
            }

            Assert.Equal(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, head);
        }

        var target = Pg.NewDatabaseName("zstd_dst");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, Jobs = jobs, IdentityFile = encrypted ? AgeKeys.Shared.IdentityFile : null }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task A_dump_zst_copied_without_its_manifest_restores_with_file_and_a_truncated_one_is_refused()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("zstd_lone");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 2);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path }, null, default);
        var lone = Path.Combine(folder.Path, "copied-elsewhere.dump.zst");
        File.Copy(Path.Combine(folder.Path, backup.Manifest.DataKey), lone);

        var target = Pg.NewDatabaseName("zstd_lone_dst");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Path = lone, TargetDatabase = target }, null, default);
        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));

        var jobs = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Path = lone, TargetDatabase = Pg.NewDatabaseName("zstd_lone_j2"), Jobs = 2 }, null, default));
        Assert.Equal("ZstdFileNeedsOneJob", jobs.ErrorId);

        using (var file = new FileStream(lone, FileMode.Open))
        {
            file.SetLength(file.Length / 2);
        }

        var truncatedTarget = Pg.NewDatabaseName("zstd_lone_cut");
        var truncated = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Path = lone, TargetDatabase = truncatedTarget }, null, default));
        Assert.True(truncated.ErrorId is "BackupDecodeFailed" or "PgRestoreFailed", truncated.ToString());
        Assert.Null(await Pg.ScalarAsync("postgres", $"SELECT 1 FROM pg_database WHERE datname = '{truncatedTarget}'"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_backup_compressed_by_pg_dump_as_before_zstd_still_restores(int jobs)
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("zlib_src");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 2);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, Codec = DumpCodec.PgDump, CompressionLevel = 1 }, null, default);

        Assert.Null(backup.Manifest.Codec);
        Assert.EndsWith(".dump", backup.Manifest.DataKey, StringComparison.Ordinal);
        Assert.Equal("PGDMP"u8.ToArray(), (await File.ReadAllBytesAsync(Path.Combine(folder.Path, backup.Manifest.DataKey)))[..5]);

        var target = Pg.NewDatabaseName("zlib_dst");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, Jobs = jobs }, null, default);

        Assert.True(result.Succeeded, string.Join("\n", result.Checks));
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_zstd_backup_restores_with_stock_tools_as_docs_say(bool encrypted)
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("stock_src");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 2);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path, AgeRecipients = encrypted ? [AgeKeys.Shared.Recipient] : [] }, null, default);
        var target = await Pg.CreateDatabaseAsync("stock_dst");
        var file = Path.Combine(folder.Path, backup.Manifest.DataKey);

        // docs/restore-by-hand.md: the same pipelines, nothing of BackupOps.
        var pipeline = encrypted
            ? """age -d -i "$3" "$1" | zstd -d | "$4/pg_restore" --exit-on-error --no-owner -d "$2" """
            : """zstd -d -c "$1" | "$4/pg_restore" --exit-on-error --no-owner -d "$2" """;
        Shell.Run("bash", ["-o", "pipefail", "-c", pipeline, "restore-by-hand", file, Pg.Url(target), AgeKeys.Shared.IdentityFile, Pg.BinDirectory]);

        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }

    [Fact]
    public async Task A_zstd_backup_verifies_and_a_damaged_one_is_refused_with_its_target_untouched()
    {
        using var folder = new TempFolder();
        var source = await Pg.CreateDatabaseAsync("zstd_dmg");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 3);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = folder.Path }, null, default);
        await using (var store = new Stores.LocalDirectoryStore(folder.Path))
        {
            var verified = (await BackupVerifier.VerifyCatalogAsync<Manifest.BackupManifest>(store, BackupKind.Postgres, source, backup.BackupId, false, null, null, default)).Single();
            Assert.True(verified.Outcome == "passed", verified.Detail);
        }

        var file = Path.Combine(folder.Path, backup.Manifest.DataKey);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(file, bytes);
        foreach (var jobs in new[] { 1, 2 })
        {
            var target = await Pg.CreateDatabaseAsync("zstd_dmg_target");
            await Pg.ExecuteAsync(target, "CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (7)");

            var error = await Assert.ThrowsAsync<BackupOpsException>(() => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = folder.Path, BackupId = backup.BackupId, TargetDatabase = target, Force = true, Jobs = jobs }, null, default));

            Assert.Equal("BackupChecksumMismatch", error.ErrorId);
            Assert.Equal(7, await Pg.ScalarAsync(target, "SELECT id FROM keep_me"));
        }
    }
}
