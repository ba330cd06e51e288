using System.Text;
using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Passwords, S3 secret keys and age identities never appear in anything BackupOps writes or reports.</summary>
public sealed class SecretsTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task No_secret_in_progress_results_manifests_stored_objects_or_errors()
    {
        var s3 = S3TestServer.Shared;
        var keys = AgeKeys.Shared;
        var bucket = await s3.CreateBucketAsync("secrets");
        var source = await Pg.CreateDatabaseAsync("secrets");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 6);
        var store = $"s3://{bucket}/secret-test";
        var seen = new StringBuilder();
        var progress = new Capture(seen);

        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options, AgeRecipients = [keys.Recipient], CriticalTables = ["events"] }, progress, default);
        seen.AppendLine(JsonSerializer.Serialize(backup));

        var restored = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = Pg.NewDatabaseName("secrets_target"), IdentityFile = keys.IdentityFile }, progress, default);
        seen.AppendLine(JsonSerializer.Serialize(restored));
        Assert.True(restored.Succeeded);

        await using (var opened = StoreLocation.Open(store, s3.Options))
        {
            seen.AppendLine(JsonSerializer.Serialize(await BackupCatalog.ListAsync(opened, new BackupCatalog.Filter(), default)));
            seen.AppendLine(Encoding.UTF8.GetString((await opened.TryGetSmallAsync(backup.ManifestKey, default))!));
        }

        // Failures carry messages too: a wrong password, a bad S3 secret, a broken identity.
        foreach (var failing in new Func<Task>[]
        {
            () => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source) with { Password = Pg.Password + "x" }, Store = store, S3 = s3.Options }, progress, default),
            () => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options with { SecretKey = s3.Options.SecretKey + "x" } }, progress, default),
            () => PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = s3.Options, AgeRecipients = [keys.SecretKey] }, progress, default),
            () => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings() with { Password = Pg.Password + "x" }, Store = store, S3 = s3.Options, BackupId = backup.BackupId, TargetDatabase = Pg.NewDatabaseName("secrets_bad_pw"), IdentityFile = keys.IdentityFile, Jobs = 2 }, progress, default),
            () => PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = s3.Options with { SecretKey = s3.Options.SecretKey + "x" }, BackupId = backup.BackupId, TargetDatabase = Pg.NewDatabaseName("secrets_bad_s3"), IdentityFile = keys.IdentityFile, Jobs = 2 }, progress, default),
        })
        {
            var error = await Assert.ThrowsAsync<BackupOpsException>(failing);
            seen.AppendLine(error.ToString());
        }

        var text = seen.ToString();
        Assert.Contains(backup.Manifest.Sha256, text, StringComparison.Ordinal); // the capture really holds the outputs
        Assert.Contains("pg_dump", text, StringComparison.Ordinal);             // and the progress
        Assert.DoesNotContain(Pg.Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.Options.SecretKey!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.SecretKey["AGE-SECRET-KEY-".Length..][..12], text, StringComparison.Ordinal);
    }

    private sealed class Capture(StringBuilder sink) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            lock (sink)
            {
                sink.AppendLine($"{value.Activity} | {value.Status}");
            }
        }
    }
}
