using BackupOps.Engine.Physical;
using BackupOps.Engine.Signing;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Base backups are signed like dumps (#13 Build 5), against a real archiving PostgreSQL 15: a signed base backup
/// recovers with its trusted key, and with only another key trusted the recovery is refused before anything is
/// downloaded or any data directory made. WAL segments are not signed (docs/security.md).
/// </summary>
[Collection("pitr")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignedBaseBackupTests
{
    [Fact]
    public async Task A_signed_base_backup_recovers_with_its_trusted_key_and_is_refused_with_another()
    {
        var store = ArchivingPostgres.NewSharedFolder("pitr-signed-store");
        var temp = ArchivingPostgres.NewSharedFolder("pitr-signed-temp");
        var work = ArchivingPostgres.NewSharedFolder("pitr-signed-work");
        try
        {
            var key = await SigningKeys.GenerateAsync(Path.Combine(work, "keys"), default);
            var other = await SigningKeys.GenerateAsync(Path.Combine(work, "other"), default);
            await using var pg = await ArchivingPostgres.StartAsync("pitr-signed", $"--store {store}");
            await pg.ExecuteAsync("CREATE TABLE events (id int PRIMARY KEY); INSERT INTO events SELECT generate_series(1, 10)");
            var backup = await BaseBackupEngine.RunAsync(new BaseBackupRequest { Connection = pg.Settings(), Cluster = pg.Cluster, Store = store, SigningKeyFile = key.PrivateKeyPath, Reporting = new Health.RunReporting { RecordRuns = false } }, null, CancellationToken.None);
            Assert.Equal(key.Fingerprint, backup.Manifest.SigningKey);
            Assert.True(File.Exists(Path.Combine(store, backup.ManifestKey + ManifestSignatures.Suffix)));
            for (var i = 0; i < 2; i++)
            {
                await pg.ExecuteAsync($"INSERT INTO events VALUES ({11 + i})");
                await pg.WaitArchivedAsync(await pg.SwitchWalAsync());
            }

            var env = new Dictionary<string, string?>();
            var refused = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest", "--trusted-key", other.PublicKeyPath);
            Assert.True(refused.ExitCode == 1, refused.All);
            Assert.Contains("[BackupSignatureUntrusted]", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains(key.Fingerprint, refused.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(temp));

            var recovered = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest", "--trusted-key", key.PublicKeyPath, "--smoke", "SELECT count(*) FROM events => = 12");
            Assert.True(recovered.ExitCode == 0, recovered.All);
            Assert.Contains($"check signature: signature verified (key {key.Fingerprint})", recovered.Stdout, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(temp));
        }
        finally
        {
            foreach (var folder in new[] { store, temp, work })
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
