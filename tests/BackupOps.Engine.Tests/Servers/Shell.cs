using System.Diagnostics;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>Runs helper commands for fixtures and fails loudly with their output.</summary>
internal static class Shell
{
    public static bool IsRoot => Environment.UserName == "root";

    public static string Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            process.Kill(true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }

        return stdout.Result;
    }

    /// <summary>Runs a PostgreSQL server binary, as the postgres user when we are root (postgres refuses root).</summary>
    public static string RunAsPostgres(string binary, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        IsRoot ? Run("runuser", ["-u", "postgres", "--", binary, .. arguments], timeout: timeout) : Run(binary, arguments, timeout: timeout);

    /// <summary>
    /// Runs <paramref name="cleanup"/> (a bash command) once this test process is gone, however it ends: test hosts
    /// are often killed before ProcessExit handlers run, and a leaked server would hold ports and memory.
    /// </summary>
    public static void WhenTestProcessExits(string cleanup)
    {
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {cleanup}";
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { "bash", "-c", script + " >/dev/null 2>&1 </dev/null" })
        {
            info.ArgumentList.Add(argument);
        }

        Process.Start(info)?.Dispose();
    }
}
