using System.Text.Json;
using System.Text.Json.Nodes;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Retention of base backups and WAL: old backups and the WAL only they needed go; the newest backup's WAL never does.</summary>
[Collection("pitr")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PitrRetentionTests
{
    [Fact]
    public async Task Prune_removes_old_base_backups_and_their_wal_but_keeps_all_the_newest_backup_needs()
    {
        var store = ArchivingPostgres.NewSharedFolder("pitr-retention");
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("pitr-retention", $"--store {store}");
            var env = pg.PasswordEnvironment();
            var ids = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                await pg.ExecuteAsync($"CREATE TABLE t{i} AS SELECT g FROM generate_series(1, 20000) g");
                await pg.WaitArchivedAsync(await pg.SwitchWalAsync());
                var backup = await BackupOpsCli.RunAsync(store, env, "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store, "--json");
                Assert.True(backup.ExitCode == 0, backup.All);
                ids.Add(JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("manifest").GetProperty("backupId").GetString()!);
            }

            await pg.WaitArchivedAsync(await pg.SwitchWalAsync());
            var newest = await Pitr.BaseBackupAsync(store, pg.Cluster, ids[1]);
            var walBefore = WalNames(store, pg.Cluster);
            Assert.Contains(walBefore, n => string.CompareOrdinal(n, newest.StartWalSegment) < 0);

            // Both backups 30 days old: the newest is still kept (minimum 1), and with it every segment from its start.
            foreach (var id in ids)
            {
                Age(store, pg.Cluster, id, TimeSpan.FromDays(30));
            }

            var dryRun = await BackupOpsCli.RunAsync(store, env, "pg", "prune", "--kind", "base", "--cluster", pg.Cluster, "--store", store, "--retention-days", "14", "--dry-run", "--json");
            Assert.True(dryRun.ExitCode == 0, dryRun.All);
            Assert.Contains(ids[0], dryRun.Stdout, StringComparison.Ordinal);
            Assert.Equal(walBefore, WalNames(store, pg.Cluster));

            var prune = await BackupOpsCli.RunAsync(store, env, "pg", "prune", "--kind", "base", "--cluster", pg.Cluster, "--store", store, "--retention-days", "14", "--json");
            Assert.True(prune.ExitCode == 0, prune.All);
            var actions = JsonDocument.Parse(prune.Stdout).RootElement.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("key").GetString()!).ToList();
            Assert.Contains(ids[0], actions);
            Assert.DoesNotContain(ids[1], actions);
            var walAfter = WalNames(store, pg.Cluster);
            Assert.DoesNotContain(walAfter, n => n.Length == 24 && string.CompareOrdinal(n, newest.StartWalSegment) < 0);
            Assert.Equal(walBefore.Where(n => string.CompareOrdinal(n[..24], newest.StartWalSegment) >= 0), walAfter);

            var verify = await BackupOpsCli.RunAsync(store, env, "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store);
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.Contains(ids[1], (await BackupOpsCli.RunAsync(store, env, "pg", "list", "--kind", "base", "--store", store)).Stdout, StringComparison.Ordinal);

            // Status: the RPO right now (age of the newest segment), pg_stat_archiver, the window; Stale past the RPO.
            var metrics = Path.Combine(store, "metrics.prom");
            var status = await BackupOpsCli.RunAsync(store, env, "status", "--store", store, "--cluster", pg.Cluster, "--database-url", pg.OptionUrl(), "--metrics-file", metrics, "--json");
            Assert.True(status.ExitCode == 0, status.All);
            var archive = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("walArchives")[0];
            Assert.Equal("healthy", archive.GetProperty("state").GetString());
            Assert.Equal(0, archive.GetProperty("archiverFailures").GetInt64());
            Assert.True(archive.TryGetProperty("recoverableFromUtc", out _), status.Stdout);
            Assert.Contains("backupops_wal_rpo_seconds{cluster=\"pitr-retention\"", await File.ReadAllTextAsync(metrics), StringComparison.Ordinal);
            await Task.Delay(1500);
            var stale = await BackupOpsCli.RunAsync(store, env, "status", "--store", store, "--wal-max-age-minutes", "0.01");
            Assert.True(stale.ExitCode == 1, stale.All);
            Assert.Contains("over the 0 min RPO", stale.Stdout, StringComparison.Ordinal);
            Assert.Contains("Stale", stale.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static List<string> WalNames(string store, string cluster) =>
        [.. Directory.GetFiles(Path.Combine(store, "wal", cluster), "*.zst", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)[..^4]).Order(StringComparer.Ordinal)];

    private static void Age(string store, string cluster, string id, TimeSpan age)
    {
        var path = Path.Combine(store, "pgbase", cluster, id + ".manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        manifest["startedUtc"] = manifest["startedUtc"]!.GetValue<DateTimeOffset>() - age;
        File.WriteAllText(path, manifest.ToJsonString());
    }
}
