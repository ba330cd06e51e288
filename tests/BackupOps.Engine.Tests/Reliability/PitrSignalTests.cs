using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// The point-in-time verbs on every exit path, as processes signalled or killed mid-run: `pg basebackup` while its tar
/// streams into the store and `pg restore --to-latest` while its recovered server replays WAL. A signal cancels (exit
/// 130, children and servers stopped, partial data and folders removed, a cancelled run record, and the next run is
/// unaffected); kill -9 leaves what it must, and `pg list` / `pg list --leftovers` name it and prune removes it once it
/// is safe to.
/// </summary>
[Collection("pitr")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PitrSignalTests
{
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> NoEnvironment = new();

    [Theory]
    [InlineData(CliProcess.SigTerm, "SIGTERM")]
    [InlineData(CliProcess.SigInt, "SIGINT")]
    public async Task A_signal_during_a_base_backup_stops_pg_basebackup_removes_the_partial_data_and_the_next_base_backup_succeeds(int signal, string name)
    {
        var store = ArchivingPostgres.NewSharedFolder("sig-base-store");
        using var work = new TempFolder();
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("sig-base", $"--store {store}");
            await pg.ExecuteAsync("CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 100000) g");
            await pg.WaitArchivedAsync(await pg.SwitchWalAsync());
            var env = new Dictionary<string, string?> { ["BACKUPOPS_TEST_PAUSE_AT"] = "basebackup:streaming", ["PGPASSWORD"] = pg.Password };

            using var backup = CliProcess.Start(work.Path, env, "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store, "--compress", "0");
            await backup.WaitForPauseAsync("basebackup:streaming");
            Assert.Single(PartialsOf(store, pg.Cluster)); // really mid-stream
            Assert.NotEmpty(PgBaseBackupsOf(pg.Port));
            var clock = Stopwatch.StartNew();
            backup.Signal(signal);
            var run = await backup.WaitForExitAsync(FewSeconds);

            Assert.True(run.ExitCode == 130, run.All);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, FewSeconds);
            Assert.Contains($"cancelled by {name}", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", run.All, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "pgbase"), "*", SearchOption.AllDirectories));
            Assert.Empty(PgBaseBackupsOf(pg.Port));
            await WaitUntilAsync(async () => Convert.ToInt64(await pg.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'"), CultureInfo.InvariantCulture) == 0, "the walsender of the cancelled pg_basebackup to end");
            var records = Directory.GetFiles(Path.Combine(store, "runs", "postgresql-base", pg.Cluster));
            Assert.Single(records, f => f.EndsWith("-backup-cancelled.json", StringComparison.Ordinal));
            Assert.DoesNotContain(records, f => f.EndsWith("-started.json", StringComparison.Ordinal));

            // The next run sees nothing of it: no backup, no leftover; a new base backup succeeds beside it.
            var list = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--kind", "base", "--store", store);
            Assert.True(list.ExitCode == 0, list.All);
            Assert.DoesNotContain("leftover", list.Stdout, StringComparison.Ordinal);
            var again = await BackupOpsCli.RunAsync(work.Path, pg.PasswordEnvironment(), "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store);
            Assert.True(again.ExitCode == 0, again.All);
            var listed = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--kind", "base", "--store", store);
            Assert.Single(listed.Stdout.Split('\n'), l => l.Contains(pg.Cluster, StringComparison.Ordinal) && !l.Contains("leftover", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public async Task A_base_backup_killed_with_SIGKILL_leaves_a_partial_that_pg_list_names_and_prune_removes_and_pg_basebackup_does_not_linger()
    {
        var store = ArchivingPostgres.NewSharedFolder("kill-base-store");
        using var work = new TempFolder();
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("kill-base", $"--store {store}");
            await pg.ExecuteAsync("CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 100000) g");
            await pg.WaitArchivedAsync(await pg.SwitchWalAsync());

            using var backup = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["BACKUPOPS_TEST_PAUSE_AT"] = "basebackup:streaming", ["PGPASSWORD"] = pg.Password }, "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store, "--compress", "0");
            await backup.WaitForPauseAsync("basebackup:streaming");
            backup.Signal(CliProcess.SigKill);
            var run = await backup.WaitForExitAsync(FewSeconds);
            Assert.Equal(137, run.ExitCode);

            // Its pg_basebackup loses its reader and ends; the partial object and the started record stay.
            await WaitUntilAsync(() => Task.FromResult(PgBaseBackupsOf(pg.Port).Count == 0), "the orphaned pg_basebackup to exit");
            var partial = Assert.Single(PartialsOf(store, pg.Cluster));
            Assert.Single(Directory.GetFiles(Path.Combine(store, "runs", "postgresql-base", pg.Cluster)), f => f.EndsWith("-started.json", StringComparison.Ordinal));

            var list = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--kind", "base", "--store", store);
            Assert.True(list.ExitCode == 0, list.All);
            Assert.Contains($"leftover pgbase/{pg.Cluster}/{Path.GetFileNameWithoutExtension(partial)}: partial file", list.Stdout, StringComparison.Ordinal);
            Assert.All(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), l => Assert.StartsWith("leftover", l.TrimStart(), StringComparison.Ordinal)); // no base backup

            // The next base backup is unaffected; prune past the grace removes the partial and keeps the new backup.
            var again = await BackupOpsCli.RunAsync(work.Path, pg.PasswordEnvironment(), "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", store);
            Assert.True(again.ExitCode == 0, again.All);
            var prune = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "prune", "--kind", "base", "--cluster", pg.Cluster, "--store", store, "--retention-days", "30", "--leftover-grace-hours", "0");
            Assert.True(prune.ExitCode == 0, prune.All);
            Assert.False(File.Exists(partial), prune.All);
            var after = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--kind", "base", "--store", store);
            Assert.DoesNotContain("leftover", after.Stdout, StringComparison.Ordinal);
            Assert.Contains(pg.Cluster, after.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Theory]
    [InlineData(CliProcess.SigTerm, "SIGTERM")]
    [InlineData(CliProcess.SigInt, "SIGINT")]
    public async Task A_signal_during_a_recovery_to_latest_stops_the_recovered_server_and_removes_its_folder(int signal, string name)
    {
        var (store, temp) = (ArchivingPostgres.NewSharedFolder("sig-pitr-store"), ArchivingPostgres.NewSharedFolder("sig-pitr-temp"));
        using var work = new TempFolder();
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("sig-pitr", $"--store {store}");
            await Pitr.WriteWithBaseBackupMidStreamAsync(pg, store, rows: 10, backupAfter: 4);

            using var restore = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["BACKUPOPS_TEST_PAUSE_AT"] = "pitr:replaying" }, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest");
            await restore.WaitForPauseAsync("pitr:replaying");
            var folder = Assert.Single(Directory.GetDirectories(temp));
            await WaitUntilAsync(() => Task.FromResult(PostmasterOf(folder) is not null), "the recovered server to start (pg_ctl -W does not wait)"); // a server really runs on it
            restore.Signal(signal);
            var run = await restore.WaitForExitAsync(FewSeconds);

            Assert.True(run.ExitCode == 130, run.All);
            Assert.Contains($"cancelled by {name}", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", run.All, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
            Assert.Empty(PostgresProcessesUnder(temp));
            var records = Directory.GetFiles(Path.Combine(store, "runs", "postgresql-base", pg.Cluster));
            Assert.Single(records, f => f.EndsWith("-restore-cancelled.json", StringComparison.Ordinal));
            Assert.DoesNotContain(records, f => f.EndsWith("-restore-started.json", StringComparison.Ordinal));

            var leftovers = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--leftovers", "--store", store, "--temp-dir", temp);
            Assert.True(leftovers.ExitCode == 0, leftovers.All);
            Assert.Contains("Temporary folders on this machine: 0", leftovers.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task A_recovery_killed_with_SIGKILL_leaves_its_server_running_which_pg_list_leftovers_names_and_prune_never_pulls_the_folder_from_under()
    {
        var (store, temp) = (ArchivingPostgres.NewSharedFolder("kill-pitr-store"), ArchivingPostgres.NewSharedFolder("kill-pitr-temp"));
        using var work = new TempFolder();
        string? folder = null;
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("kill-pitr", $"--store {store}");
            await Pitr.WriteWithBaseBackupMidStreamAsync(pg, store, rows: 10, backupAfter: 4);

            using var restore = CliProcess.Start(work.Path, new Dictionary<string, string?> { ["BACKUPOPS_TEST_PAUSE_AT"] = "pitr:replaying" }, "pg", "restore", "--cluster", pg.Cluster, "--store", store, "--temp-dir", temp, "--to-latest");
            await restore.WaitForPauseAsync("pitr:replaying");
            folder = Assert.Single(Directory.GetDirectories(temp));
            var started = folder;
            await WaitUntilAsync(() => Task.FromResult(PostmasterOf(started) is not null), "the recovered server to start (pg_ctl -W does not wait)");
            restore.Signal(CliProcess.SigKill);
            Assert.Equal(137, (await restore.WaitForExitAsync(FewSeconds)).ExitCode);

            // The server BackupOps started outlives a kill -9 (pg_ctl detaches it): reported with how to stop it.
            var postmaster = PostmasterOf(folder);
            Assert.NotNull(postmaster);
            var leftovers = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "list", "--leftovers", "--store", store, "--temp-dir", temp);
            Assert.True(leftovers.ExitCode == 0, leftovers.All);
            Assert.Contains("Temporary folders on this machine: 1", leftovers.Stdout, StringComparison.Ordinal);
            Assert.Contains("a point-in-time recovery's disposable server folder", leftovers.Stdout, StringComparison.Ordinal);
            Assert.Contains($"its PostgreSQL still runs (pid {postmaster})", leftovers.Stdout, StringComparison.Ordinal);
            Assert.Contains($"pg_ctl -D {Path.Combine(folder, "data")} -m immediate stop", leftovers.Stdout, StringComparison.Ordinal);

            var prune = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "prune", "--kind", "base", "--cluster", pg.Cluster, "--store", store, "--retention-days", "30", "--temp-dir", temp, "--leftover-grace-hours", "0");
            Assert.True(prune.ExitCode == 0, prune.All);
            Assert.True(Directory.Exists(Path.Combine(folder, "data")), prune.All);
            Assert.NotNull(PostmasterOf(folder));

            // Once the operator stops it as the list said, prune removes the folder.
            Shell.RunAsPostgres("/usr/lib/postgresql/15/bin/pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"]);
            var pruneAgain = await BackupOpsCli.RunAsync(work.Path, NoEnvironment, "pg", "prune", "--kind", "base", "--cluster", pg.Cluster, "--store", store, "--retention-days", "30", "--temp-dir", temp, "--leftover-grace-hours", "0");
            Assert.True(pruneAgain.ExitCode == 0, pruneAgain.All);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
        }
        finally
        {
            if (folder is not null && PostmasterOf(folder) is not null)
            {
                Shell.RunAsPostgres("/usr/lib/postgresql/15/bin/pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"]);
            }

            Directory.Delete(store, recursive: true);
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task A_stalled_RGW_fails_a_base_backup_within_the_stall_deadline_and_stops_pg_basebackup()
    {
        // As StallTests does for dumps: deadline 3 s, so deadline + 3 cleanup requests (abort, failure record, started record).
        const int deadline = 3;
        var bound = TimeSpan.FromSeconds(deadline + (3 * deadline) + 30);
        var store = ArchivingPostgres.NewSharedFolder("stall-base-store");
        using var rgw = FaultS3Server.Start("stallbase");
        using var work = new TempFolder();
        try
        {
            await using var pg = await ArchivingPostgres.StartAsync("stall-base", $"--store {store}");
            await pg.ExecuteAsync("CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 100000) g");
            var resume = Path.Combine(work.Path, "resume");
            var env = new Dictionary<string, string?>(rgw.CliEnvironment()) { ["BACKUPOPS_TEST_PAUSE_AT"] = "basebackup:streaming", ["BACKUPOPS_TEST_RESUME_FILE"] = resume, ["PGPASSWORD"] = pg.Password };
            using var backup = CliProcess.Start(work.Path, env, "pg", "basebackup", "--database-url", pg.OptionUrl(), "--cluster", pg.Cluster, "--store", "s3://stallbase/prod", "--compress", "0", "--stall-timeout-seconds", deadline.ToString(CultureInfo.InvariantCulture));
            await backup.WaitForPauseAsync("basebackup:streaming");

            rgw.Stall();
            var clock = Stopwatch.StartNew();
            try
            {
                await File.WriteAllTextAsync(resume, "go");
                var failed = await backup.WaitForExitAsync(bound + TimeSpan.FromSeconds(30));
                Assert.True(failed.ExitCode == 1, failed.All);
                Assert.Contains("S3Stalled", failed.Stderr, StringComparison.Ordinal);
                Assert.Contains(rgw.Endpoint, failed.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("Unhandled exception", failed.All, StringComparison.Ordinal);
                Assert.InRange(clock.Elapsed, TimeSpan.Zero, bound);
                await WaitUntilAsync(() => Task.FromResult(PgBaseBackupsOf(pg.Port).Count == 0), "pg_basebackup to be stopped");
            }
            finally
            {
                rgw.Resume();
            }

            // Nothing that looks like a base backup; what the stalled store kept is a leftover the next prune removes.
            var list = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(rgw.CliEnvironment()), "pg", "list", "--kind", "base", "--store", "s3://stallbase/prod");
            Assert.True(list.ExitCode == 0, list.All);
            Assert.All(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), l => Assert.StartsWith("leftover", l.TrimStart(), StringComparison.Ordinal));
            var prune = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(rgw.CliEnvironment()), "pg", "prune", "--kind", "base", "--store", "s3://stallbase/prod", "--retention-days", "14", "--leftover-grace-hours", "0");
            Assert.True(prune.ExitCode == 0, prune.All);
            using var client = Stores.S3ClientFactory.Create(rgw.Options);
            Assert.Empty((await client.ListMultipartUploadsAsync(new Amazon.S3.Model.ListMultipartUploadsRequest { BucketName = "stallbase" })).MultipartUploads ?? []);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static string[] PartialsOf(string store, string cluster) =>
        Directory.Exists(Path.Combine(store, "pgbase", cluster)) ? Directory.GetFiles(Path.Combine(store, "pgbase", cluster), "*.partial") : [];

    /// <summary>pg_basebackup processes connected to the server on <paramref name="port"/> (libpq gets the port through PGPORT).</summary>
    private static List<int> PgBaseBackupsOf(int port) =>
        [.. Process.GetProcessesByName("pg_basebackup").Select(p => p.Id).Where(id => EnvironmentOf(id).Contains($"PGPORT={port.ToString(CultureInfo.InvariantCulture)}", StringComparer.Ordinal))];

    private static string[] EnvironmentOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return []; // exited meanwhile
        }
    }

    /// <summary>The pid of a live postmaster on <paramref name="folder"/>/data, or null.</summary>
    private static int? PostmasterOf(string folder)
    {
        var pidFile = Path.Combine(folder, "data", "postmaster.pid");
        return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}") ? pid : null;
    }

    private static List<int> PostgresProcessesUnder(string folder) =>
        [.. Process.GetProcessesByName("postgres").Select(p => p.Id).Where(id => SignalTests.CommandLineOf(id).Contains(folder, StringComparison.Ordinal))];

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException($"waited 20 s for {what}");
            }

            await Task.Delay(100);
        }
    }
}
