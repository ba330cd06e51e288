using System.Text.Json;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 2: one backup, one identity. A copied database folder, a symlink loop inside one, or a copied S3 prefix
/// must not make backups count twice, and prune must delete nothing another manifest needs: it refuses the
/// ambiguous source, naming the conflict, and the database stays restorable.
/// </summary>
public sealed class CatalogIdentityTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData("copy")]
    [InlineData("symlink-loop")]
    public async Task A_copied_or_looped_database_folder_makes_prune_refuse_and_delete_nothing(string fault)
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var (db, ids) = await ThreeBackupsAsync(store, "identity");
        var folder = Path.Combine(store, "pg", db);
        var conflict = fault == "copy" ? Path.Combine(store, "pg", db + "-copy") : Path.Combine(folder, "loop");
        if (fault == "copy")
        {
            Shell.Run("cp", ["-a", folder, conflict]);
        }
        else
        {
            File.CreateSymbolicLink(conflict, ".");
        }

        var before = Snapshot(store);
        Assert.True(before.Count >= 3, "the store snapshot must hold the backups' files, or comparing it proves nothing");
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = store, ["DATABASE_URL"] = Pg.Url(db) };

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "1", "--minimum-keep", "1");

        Assert.True(prune.ExitCode == 1, prune.All);
        Assert.Contains(Path.GetRelativePath(store, conflict).Replace('\\', '/'), prune.All, StringComparison.Ordinal);
        Assert.Contains("PruneRefused", prune.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", prune.All, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(store));

        var list = await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--json");
        Assert.True(list.ExitCode == 0, list.All);
        var listed = JsonDocument.Parse(list.Stdout).RootElement;
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("backupId").GetString()!).Order(StringComparer.Ordinal));
        Assert.NotEmpty(listed.GetProperty("anomalies").EnumerateArray());

        await AssertRestorableAsync(work.Path, env, db, ids[^1]);
    }

    [Fact]
    public async Task A_copied_S3_prefix_makes_prune_refuse_and_delete_nothing()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("identity");
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("identity_s3");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 1);
        var ids = new List<string>();
        using var client = s3.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = $"s3://{bucket}", S3 = s3.Options }, null, default);
            ids.Add(backup.BackupId);
            if (i < 2)
            {
                await StoreSurgery.AgeManifestAsync(client, bucket, backup.ManifestKey, TimeSpan.FromDays(10 - i));
            }
        }

        // What `aws s3 cp --recursive s3://bucket/pg/db/ s3://bucket/pg/db-copy/` does.
        foreach (var key in (await s3.ListKeysAsync(bucket)).Where(k => k.StartsWith($"pg/{db}/", StringComparison.Ordinal)))
        {
            await client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = key, DestinationBucket = bucket, DestinationKey = key.Replace($"pg/{db}/", $"pg/{db}-copy/", StringComparison.Ordinal) });
        }

        var before = (await s3.ListKeysAsync(bucket)).Where(k => k.StartsWith("pg/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var env = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = Pg.Url(db),
            ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey,
            ["BACKUP_DIR"] = $"s3://{bucket}",
        };

        var prune = await BackupOpsCli.RunAsync(work.Path, env, "pg", "prune", "--retention-days", "1", "--minimum-keep", "1");

        Assert.True(prune.ExitCode == 1, prune.All);
        Assert.Contains($"pg/{db}-copy/", prune.All, StringComparison.Ordinal);
        Assert.Contains("PruneRefused", prune.All, StringComparison.Ordinal);
        Assert.Equal(before, (await s3.ListKeysAsync(bucket)).Where(k => k.StartsWith("pg/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList());
        await AssertRestorableAsync(work.Path, env, db, ids[^1]);
    }

    /// <summary>Three backups of a sample database; the two older ones aged past a one-day retention.</summary>
    internal static async Task<(string Database, List<string> Ids)> ThreeBackupsAsync(string store, string purpose)
    {
        var db = await Pg.CreateDatabaseAsync(purpose);
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 1);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(db), Store = store }, null, default);
            ids.Add(backup.BackupId);
            if (i < 2)
            {
                await StoreSurgery.AgeManifestAsync(Path.Combine(store, backup.ManifestKey), TimeSpan.FromDays(10 - i));
            }
        }

        return (db, ids);
    }

    internal static async Task<BackupOpsCli.Run> AssertRestorableAsync(string work, Dictionary<string, string?> env, string db, string expectedId)
    {
        var target = Pg.NewDatabaseName("identity_target");
        var restore = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--latest", "--database", db, "--target-database", target, "--json");
        Assert.True(restore.ExitCode == 0, restore.All);
        Assert.Equal(expectedId, JsonDocument.Parse(restore.Stdout).RootElement.GetProperty("backupId").GetString());
        Assert.Equal(await SampleDatabase.FingerprintAsync(Pg, db), await SampleDatabase.FingerprintAsync(Pg, target));
        return restore;
    }

    /// <summary>Every file under the store (symbolic links not followed) with its size.</summary>
    private static List<string> Snapshot(string root) =>
        new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Where(f => f is FileInfo)
            .Where(f => !f.FullName.Contains($"{Path.DirectorySeparatorChar}runs{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.FullName.Contains($"{Path.DirectorySeparatorChar}verify{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => $"{Path.GetRelativePath(root, f.FullName)} {((FileInfo)f).Length}")
            .Order(StringComparer.Ordinal)
            .ToList();
}
