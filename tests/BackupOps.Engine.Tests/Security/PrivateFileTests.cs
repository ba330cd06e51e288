using System.Diagnostics;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Private files (#13 item 3): every file a folder store and a restore create is 0600 in 0700 folders (or group-readable
/// when the operator shares the store on purpose with a setgid root), and the decrypted plaintext of a parallel restore
/// never has a name, so another user can never open it and a kill -9 cannot leave it behind.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivateFileTests
{
    private const UnixFileMode AllPermissions = (UnixFileMode)0b111_111_111;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task A_folder_store_writes_0600_files_in_0700_folders_and_0640_in_0750_under_a_setgid_root()
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("private_store");
        await Pg.ExecuteAsync(db, "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");

        var store = Path.Combine(work.Path, "new-store");
        var backup = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db) }, "pg", "backup", "--store", store);
        Assert.True(backup.ExitCode == 0, backup.All);
        var files = Directory.GetFiles(store, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith(".manifest.json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".dump", StringComparison.Ordinal) || f.EndsWith(".dump.zst", StringComparison.Ordinal) || f.EndsWith(".dump.gz", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True((File.GetUnixFileMode(f) & AllPermissions) == PrivateFile, $"{f} is {Mode(f)}"));
        Assert.All(Directory.GetDirectories(store, "*", SearchOption.AllDirectories).Append(store), d => Assert.True((File.GetUnixFileMode(d) & AllPermissions) == PrivateDirectory, $"{d} is {Mode(d)}"));

        // Shared with a group on purpose: chgrp + chmod 2750 on the root.
        var shared = Path.Combine(work.Path, "shared-store");
        Directory.CreateDirectory(shared);
        Shell.Run("chgrp", ["nogroup", shared]);
        Shell.Run("chmod", ["2750", shared]);
        var sharedBackup = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db) }, "pg", "backup", "--store", shared);
        Assert.True(sharedBackup.ExitCode == 0, sharedBackup.All);
        var sharedFiles = Directory.GetFiles(shared, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(sharedFiles);
        Assert.All(sharedFiles, f => Assert.True((File.GetUnixFileMode(f) & AllPermissions) == (PrivateFile | UnixFileMode.GroupRead), $"{f} is {Mode(f)}"));
        Assert.All(Directory.GetDirectories(shared, "*", SearchOption.AllDirectories), d => Assert.True((File.GetUnixFileMode(d) & (AllPermissions | UnixFileMode.SetGroup)) == (PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.SetGroup), $"{d} is {Mode(d)}"));
        Assert.All(sharedFiles, f => Assert.Equal("nogroup", Shell.Run("stat", ["-c", "%G", f]).Trim()));
    }

    [Fact]
    public async Task A_parallel_restore_of_an_encrypted_backup_keeps_its_plaintext_nameless_in_a_0700_folder_and_a_kill_leaves_none()
    {
        using var work = new TempFolder();
        var keys = AgeKeys.Shared;
        var store = Path.Combine(work.Path, "backups");
        var temp = Path.Combine(work.Path, "temp");
        Directory.CreateDirectory(temp);
        File.SetUnixFileMode(temp, (UnixFileMode)Convert.ToInt32("1777", 8));
        var db = await Pg.CreateDatabaseAsync("private_restore");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 4);
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store };
        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--recipient", keys.Recipient);
        Assert.True(backup.ExitCode == 0, backup.All);

        env["BACKUPOPS_TEST_PAUSE_AT"] = "restore:restoring";
        using var restore = CliProcess.Start(work.Path, env, "pg", "restore", "--latest", "--target-database", Pg.NewDatabaseName("private_restore_target"), "--identity", keys.IdentityFile, "--jobs", "2", "--temp-dir", temp);
        await restore.WaitForPauseAsync("restore:restoring");

        var folder = Assert.Single(Directory.GetDirectories(temp));
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(folder) & AllPermissions);
        Assert.All(Directory.GetFiles(folder, "*", SearchOption.AllDirectories), f => Assert.True((File.GetUnixFileMode(f) & AllPermissions) == PrivateFile, $"{f} is {Mode(f)}"));
        Assert.DoesNotContain(Directory.GetFiles(folder, "*", SearchOption.AllDirectories), f => f.EndsWith(".dump", StringComparison.Ordinal));
        var open = Directory.GetFiles($"/proc/{restore.Id}/fd").Select(fd => new FileInfo(fd).LinkTarget).Where(t => t is not null && t.StartsWith(folder, StringComparison.Ordinal)).ToList();
        Assert.Contains(open, t => t!.EndsWith("(deleted)", StringComparison.Ordinal)); // the plaintext is there, open, with no name
        Assert.NotEqual(0, AsNobody("/bin/ls", folder));

        restore.Signal(CliProcess.SigKill);
        await restore.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var left = Directory.GetFiles(temp, "*", SearchOption.AllDirectories);
        Assert.True(left.All(f => Path.GetFileName(f) == ".backupops-owner.json"), "a kill -9 left: " + string.Join(", ", left));
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static int AsNobody(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in new[] { "-u", "nobody", "--", file }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
