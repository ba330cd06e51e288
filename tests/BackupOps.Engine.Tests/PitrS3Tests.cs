using System.Globalization;
using System.Text.Json;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// Point-in-time recovery through the project's Ceph RGW with asynchronous archiving (the documented S3 default): the
/// spool is private, the worker is killed mid-run and the archive still ends whole and verified, and a restore to a
/// time gives exactly the rows committed before it.
/// </summary>
[Collection("pitr")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PitrS3Tests
{
    [Fact]
    public async Task Async_archiving_to_RGW_survives_a_killed_worker_and_restores_to_a_time()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("pitr");
        var store = $"s3://{bucket}/db";
        var shared = ArchivingPostgres.NewSharedFolder("pitr-s3");
        var temp = ArchivingPostgres.NewSharedFolder("pitr-s3-temp");
        try
        {
            var envFile = Path.Combine(shared, "wal.env");
            var credentials = $"AWS_ENDPOINT_URL={s3.Options.Endpoint}\nAWS_ACCESS_KEY_ID={s3.Options.AccessKey}\nAWS_SECRET_ACCESS_KEY={s3.Options.SecretKey}\nAWS_REGION={s3.Options.Region}\nBACKUPOPS_S3_PROVIDER=generic\n";
            ArchivingPostgres.WritePrivateFile(envFile, credentials);
            var spool = Path.Combine(shared, "spool");
            await using var pg = await ArchivingPostgres.StartAsync("pitr-s3", $"--store {store} --env-file {envFile} --spool-dir {spool}");
            var killer = KillWorkerOnceAsync(spool);
            var (commits, backup) = await Pitr.WriteWithBaseBackupMidStreamAsync(pg, store, rows: 30, backupAfter: 8, s3: s3.Options);
            Assert.True(await killer, "the async worker was never seen running, so it was not killed");

            // The spool is private and drains; the worker is the same program and says what it uploaded.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(spool));
            await WaitUntilAsync(() => !Directory.EnumerateFiles(Path.Combine(spool, "queue")).Any(), TimeSpan.FromSeconds(60));
            Assert.Contains("archived", await File.ReadAllTextAsync(Path.Combine(spool, "worker.log")), StringComparison.Ordinal);

            var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = s3.Options.Endpoint, ["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey, ["AWS_REGION"] = s3.Options.Region, ["BACKUPOPS_S3_PROVIDER"] = "generic" };
            var verify = await BackupOpsCli.RunAsync(temp, env, "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store, "--json");
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.True(JsonDocument.Parse(verify.Stdout).RootElement.GetProperty("succeeded").GetBoolean());

            var target = commits[19] + ((commits[20] - commits[19]) / 2);
            var restore = await BackupOpsCli.RunAsync(temp, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-time", target.ToString("o", CultureInfo.InvariantCulture), "--smoke", "SELECT count(*) FROM events => = 20", "--json");
            Assert.True(restore.ExitCode == 0, restore.All);
            var result = JsonDocument.Parse(restore.Stdout).RootElement;
            Assert.Equal(backup, result.GetProperty("baseBackupId").GetString());
            var recoveredTo = result.GetProperty("recoveredToUtc").GetDateTimeOffset();
            Assert.Equal(commits[19], recoveredTo, TimeSpan.FromMilliseconds(1));
            Assert.Empty(Directory.GetFileSystemEntries(temp));
            Assert.DoesNotContain(s3.Options.SecretKey!, restore.All + verify.All + await File.ReadAllTextAsync(pg.LogPath), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
            Directory.Delete(temp, recursive: true);
        }
    }

    // kill -9 of the running worker, once, as soon as it has uploaded something.
    private static async Task<bool> KillWorkerOnceAsync(string spool)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var state = Path.Combine(spool, "worker.json");
            if (File.Exists(state))
            {
                try
                {
                    var json = JsonDocument.Parse(await File.ReadAllTextAsync(state)).RootElement;
                    if (json.TryGetProperty("uploaded", out var uploaded) && uploaded.GetInt64() > 0 && json.GetProperty("processId").GetInt32() is var pid and > 0 && Directory.Exists($"/proc/{pid}"))
                    {
                        Shell.Run("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
                        return true;
                    }
                }
                catch (Exception ex) when (ex is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
                {
                    // being rewritten, or the worker just exited
                }
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}
