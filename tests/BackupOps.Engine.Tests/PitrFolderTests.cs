using System.Globalization;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// Point-in-time recovery end to end on a folder store, with PostgreSQL itself running `backupops pg wal push` as its
/// archive_command and `wal fetch` as the recovery's restore_command: exact rows at a time between commits, every row
/// at latest, verify, duplicate pushes, and a flipped byte and a deleted segment caught before anything is trusted.
/// </summary>
[Collection("pitr")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PitrFolderTests
{
    [Fact]
    public async Task Restore_to_a_time_between_commits_gives_exactly_the_rows_committed_before_it_and_damage_is_caught()
    {
        var store = ArchivingPostgres.NewSharedFolder("pitr-store");
        var temp = ArchivingPostgres.NewSharedFolder("pitr-temp");
        var work = ArchivingPostgres.NewSharedFolder("pitr-work");
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("pitr-folder", $"--store {store}");
            var (commits, backup) = await Pitr.WriteWithBaseBackupMidStreamAsync(pg, store, rows: 40, backupAfter: 12);
            var env = new Dictionary<string, string?>();

            // A time between the commits of rows 30 and 31: exactly rows 1..30 come back, including rows from before the base backup.
            var target = commits[29] + ((commits[30] - commits[29]) / 2);
            var expected = commits.Count(c => c < target);
            Assert.Equal(30, expected);
            var toTime = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-time", target.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
                "--smoke", $"SELECT count(*) FROM events => = {expected}", "--smoke", $"SELECT max(id) FROM events => = {expected}");
            Assert.True(toTime.ExitCode == 0, toTime.All);
            Assert.Contains($"from base backup {backup}", toTime.Stdout, StringComparison.Ordinal);
            Assert.Contains("PASSED  recovery target", toTime.Stdout, StringComparison.Ordinal);

            var latest = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest", "--smoke", "SELECT count(*) FROM events => = 40");
            Assert.True(latest.ExitCode == 0, latest.All);
            Assert.Empty(Directory.GetFileSystemEntries(temp));

            var verify = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store);
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.Contains("Archive verified.", verify.Stdout, StringComparison.Ordinal);
            Assert.Contains("Recoverable window:", verify.Stdout, StringComparison.Ordinal);

            // The same segment pushed again succeeds; the same name with other bytes fails and overwrites nothing.
            var manifest = await Pitr.BaseBackupAsync(store, pg.Cluster, backup);
            var segment = manifest.StopWalSegment;
            var copy = Path.Combine(work, "copy");
            Directory.CreateDirectory(copy);
            var fetched = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "fetch", segment, Path.Combine(copy, segment), "--cluster", pg.Cluster, "--store", store);
            Assert.True(fetched.ExitCode == 0, fetched.All);
            var again = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "push", Path.Combine(copy, segment), "--cluster", pg.Cluster, "--store", store);
            Assert.True(again.ExitCode == 0, again.All);
            Assert.Contains("already archived", again.Stderr, StringComparison.Ordinal);
            var objectPath = Pitr.ObjectPath(store, pg.Cluster, segment);
            var before = File.ReadAllBytes(objectPath);
            var bytes = File.ReadAllBytes(Path.Combine(copy, segment));
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(Path.Combine(copy, segment), bytes);
            var other = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "push", Path.Combine(copy, segment), "--cluster", pg.Cluster, "--store", store);
            Assert.True(other.ExitCode == 1, other.All);
            Assert.Contains("WalArchivedDifferently", other.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllBytes(objectPath));

            // A flipped byte in an archived segment: verify names it, and the restore stops with it named.
            var damaged = Pitr.SegmentsAfter(store, pg.Cluster, segment).SkipLast(1).First();
            var stored = File.ReadAllBytes(Pitr.ObjectPath(store, pg.Cluster, damaged));
            stored[stored.Length / 3] ^= 0x01;
            File.WriteAllBytes(Pitr.ObjectPath(store, pg.Cluster, damaged), stored);
            var verifyDamaged = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store);
            Assert.True(verifyDamaged.ExitCode == 1, verifyDamaged.All);
            Assert.Contains($"DAMAGED {damaged}", verifyDamaged.Stdout, StringComparison.Ordinal);
            var restoreDamaged = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest");
            Assert.True(restoreDamaged.ExitCode == 1, restoreDamaged.All);
            Assert.Contains("WalObjectDamaged", restoreDamaged.Stderr, StringComparison.Ordinal);
            Assert.Contains(damaged, restoreDamaged.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(temp));

            // Deleted: a gap, and a restore past it is refused before any server starts (nothing in the temp folder).
            File.Delete(Pitr.ObjectPath(store, pg.Cluster, damaged));
            var verifyGap = await BackupOpsCli.RunAsync(work, env, "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store, "--json");
            Assert.True(verifyGap.ExitCode == 1, verifyGap.All);
            Assert.Contains(damaged, verifyGap.Stdout, StringComparison.Ordinal);
            var refused = await BackupOpsCli.RunAsync(work, env, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest");
            Assert.True(refused.ExitCode == 1, refused.All);
            Assert.Contains("[WalGap]", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains(damaged, refused.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(temp));
            var status = await BackupOpsCli.RunAsync(work, env, "status", "--store", store);
            Assert.True(status.ExitCode == 1, status.All);
            Assert.Contains($"WAL missing: {damaged}", status.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(pg.Password, toTime.All + latest.All + verify.All + refused.All, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var folder in new[] { store, temp, work })
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Killed_wal_push_is_retried_by_postgres_and_the_archive_ends_whole_and_setup_check_proves_it()
    {
        var store = ArchivingPostgres.NewSharedFolder("pitr-kill");
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("pitr-kill", $"--store {store}");
            await pg.ExecuteAsync("CREATE TABLE events (id int PRIMARY KEY, note text NOT NULL)");
            var first = await pg.SwitchWalAsync();
            await pg.WaitArchivedAsync(first);
            var backup = await BackupOpsCli.RunAsync(store, pg.PasswordEnvironment(), "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store);
            Assert.True(backup.ExitCode == 0, backup.All);

            // kill -9 of archive_command at two points of its life while WAL is produced. PostgreSQL's archiver dies with it
            // (FATAL on a signal) and is restarted 10 s later, so two kills cost 20 s of test time.
            using var stop = new CancellationTokenSource();
            // The ages are since the killer first saw the push: the native binary archives a segment in ~0.05-0.15 s (the
            // JIT-compiled one took ~0.3 s, and was killed at 150 and 300 ms).
            var killer = Task.Run(() => KillPushes(pg.Cluster, [10, 40], stop.Token));
            for (var i = 1; i <= 5; i++)
            {
                await pg.ExecuteAsync($"INSERT INTO events SELECT g, md5(g::text) FROM generate_series({(i * 1000) + 1}, {(i * 1000) + 1000}) g");
                await pg.SwitchWalAsync();
                await Task.Delay(400);
            }

            // New connections wake the postmaster, which restarts the archiver no sooner than 10 s after it died. More WAL
            // keeps pushes coming until both kills happened: when the first five pushes all finished before the killer's
            // age threshold (a CI run), no push was left to kill and the test timed out.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 6; !killer.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(90); i++)
            {
                await pg.ExecuteAsync($"INSERT INTO events VALUES ({100_000 + i}, 'more')");
                await pg.SwitchWalAsync();
                await Task.Delay(500);
            }

            var killed = await killer.WaitAsync(TimeSpan.FromSeconds(5));
            await stop.CancelAsync();
            Assert.True(killed == 2, $"only {killed} wal push process(es) were killed");
            var last = await pg.SwitchWalAsync();
            await pg.WaitArchivedAsync(last, TimeSpan.FromSeconds(120));
            var log = File.ReadAllText(pg.LogPath);
            Assert.True(System.Text.RegularExpressions.Regex.Count(log, "exit code 137|terminated by signal 9") >= 2, log);

            var verify = await BackupOpsCli.RunAsync(store, new Dictionary<string, string?>(), "pg", "wal", "verify", "--cluster", pg.Cluster, "--store", store);
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.Contains("Archive verified.", verify.Stdout, StringComparison.Ordinal);
            // A push killed while writing leaves a partial file; the retry replaces it, so none is left.
            Assert.Empty(Directory.GetFiles(Path.Combine(store, "wal"), "*.partial", SearchOption.AllDirectories));

            var check = await BackupOpsCli.RunAsync(store, pg.PasswordEnvironment(), "pg", "wal", "setup", "--check", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store);
            Assert.True(check.ExitCode == 0, check.All);
            Assert.Contains("segment archived", check.Stdout, StringComparison.Ordinal);
            var wrongCluster = await BackupOpsCli.RunAsync(store, pg.PasswordEnvironment(), "pg", "wal", "setup", "--check", "--database-url", pg.OptionUrl(), "--cluster", "someone-else", "--store", store);
            Assert.True(wrongCluster.ExitCode == 1, wrongCluster.All);
            Assert.Contains("FAIL  archive_command", wrongCluster.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(pg.Password, check.All + backup.All, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    // Finds this server's `wal push` processes by their command line and kills each at the next age in the list.
    private static int KillPushes(string cluster, int[] agesMs, CancellationToken cancellationToken)
    {
        var killed = 0;
        var seen = new Dictionary<int, DateTime>();
        while (killed < agesMs.Length && !cancellationToken.IsCancellationRequested)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                string command;
                try
                {
                    command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    continue;
                }

                if (command.Contains("wal push", StringComparison.Ordinal) && command.Contains($"--cluster {cluster} ", StringComparison.Ordinal) && command.StartsWith(BackupOpsCli.ProgramPath + " ", StringComparison.Ordinal))
                {
                    seen.TryAdd(pid, DateTime.UtcNow);
                    if (killed < agesMs.Length && DateTime.UtcNow - seen[pid] >= TimeSpan.FromMilliseconds(agesMs[killed]))
                    {
                        try
                        {
                            System.Diagnostics.Process.GetProcessById(pid).Kill();
                            killed++;
                        }
                        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                        {
                            // it finished first
                        }
                    }
                }
            }

            Thread.Sleep(5);
        }

        return killed;
    }
}
