using System.Diagnostics;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>Runs the built <c>backupops</c> binary as a separate process, the way cron or CI would.</summary>
public static class BackupOpsCli
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + "\n" + Stderr;
    }

    // The published CLI in artifacts/cli: the Native AOT binary a database host gets, not the JIT-compiled build, so
    // trimming or AOT problems fail here rather than on a host. test.sh publishes it afresh before every run; after a
    // change, a targeted `dotnet test` needs the same publish first (its timestamps cannot tell: an incremental
    // publish keeps the native binary's time when only the build was redone).
    private static readonly Lazy<string> Program = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BackupOps.sln")))
        {
            directory = directory.Parent;
        }

        var repo = directory?.FullName ?? throw new InvalidOperationException("BackupOps.sln not found above the test folder");
        var program = Path.Combine(repo, "artifacts", "cli", "backupops");
        var publish = "dotnet publish src/BackupOps.Cli -c Release -r linux-x64 -o artifacts/cli (test.sh does it)";
        if (!File.Exists(program))
        {
            throw new InvalidOperationException($"{program} is missing; publish the CLI first: {publish}.");
        }

        return program;
    });

    /// <summary>The published CLI binary, also for commands a server runs itself (archive_command, restore_command).</summary>
    public static string ProgramPath => Program.Value;

    public static async Task<Run> RunAsync(string workingDirectory, IDictionary<string, string?> environment, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>How the binary is started: directly, one process (signals reach it directly).</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string?> environment, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Program.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Start from a clean slate so the developer's own settings cannot leak into a test.
        foreach (var name in new[] { "DATABASE_URL", "BACKUP_DIR", "BACKUP_RETENTION_DAYS", "PGPASSWORD", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "BACKUPOPS_TEST_PAUSE_AT", "BACKUPOPS_TEST_RESUME_FILE", "BACKUPOPS_STALL_TIMEOUT_SECONDS", "BACKUPOPS_TEMP", "BACKUPOPS_SIGNING_KEY", "BACKUPOPS_TRUSTED_KEYS", "PGDATABASE" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
