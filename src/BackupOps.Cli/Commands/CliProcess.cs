using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BackupOps.Engine.Errors;

namespace BackupOps.Cli.Commands;

/// <summary>How this program runs itself again (the async WAL worker, restore_command) and reads an --env-file.</summary>
internal static class CliProcess
{
    /// <summary>The program and leading arguments that start this CLI: the apphost, or dotnet and the dll.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        // Under `dotnet backupops.dll` the program is the muxer and the dll beside this code; the Native AOT binary (and
        // an apphost) is the program itself. AppContext.BaseDirectory, not Assembly.Location, which is empty in a native binary.
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, Path.Combine(AppContext.BaseDirectory, "backupops.dll")] : [process];
    }

    /// <summary>
    /// Starts this CLI detached with <paramref name="arguments"/>; its standard streams are not ours. It gets only
    /// the store's settings (<see cref="Engine.Tools.ChildEnvironment.ForStoreWorker"/>): never DATABASE_URL, PGPASSWORD
    /// or the webhook URL that PostgreSQL's environment may hold.
    /// </summary>
    public static void StartDetached(IEnumerable<string> arguments)
    {
        var self = SelfCommand();
        var info = new ProcessStartInfo(self[0]) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in self.Skip(1).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (key, value) in Engine.Tools.ChildEnvironment.ForStoreWorker())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info);
    }

    /// <summary>Leaves the caller's session and process group (PostgreSQL signals its archiver's group at shutdown).</summary>
    public static void Detach()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetSid();
        }
    }

    /// <summary>
    /// Loads KEY=VALUE lines into this process's environment: how archive_command and restore_command get store
    /// credentials without them being in the server's environment or on a command line. The file must be private.
    /// </summary>
    public static void LoadEnvironmentFile(string? path)
    {
        if (path is null)
        {
            return;
        }

        if (!File.Exists(path))
        {
            throw BackupOpsException.InvalidInput("EnvFileMissing", $"The --env-file {path} does not exist. Create it (KEY=VALUE lines, mode 0600) or leave the option out.");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode)0b000_111_111) != 0)
        {
            throw BackupOpsException.InvalidInput("EnvFileNotPrivate", $"The --env-file {path} can be read by other users (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); it holds credentials. Run 'chmod 600 {path}'.");
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var text = line.Trim();
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (text.Length == 0 || text.StartsWith('#') || eq <= 0)
            {
                continue;
            }

            var value = text[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'')
            {
                value = value[1..^1];
            }

            Environment.SetEnvironmentVariable(text[..eq].Trim().Replace("export ", string.Empty, StringComparison.Ordinal), value);
        }
    }

    /// <summary>Milliseconds since this process started (for push timings).</summary>
    public static double MillisecondsSinceStart() => (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;

    /// <summary>Formats milliseconds.</summary>
    public static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    // DllImport rather than LibraryImport: the generated stub would need unsafe code for one argument-less call.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setsid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetSid();
#pragma warning restore SYSLIB1054
}
