using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace BackupOps.PowerShell.Tests;

/// <summary>The real pwsh (a dotnet global tool that test.sh installs), the build's package folder, and child runs.</summary>
internal static class Pwsh
{
    private static readonly Lazy<string> ExecutableInstance = new(Locate);
    private static readonly Lazy<string> HomeInstance = new(() => Run(["-NoProfile", "-NonInteractive", "-Command", "$PSHOME"], TimeSpan.FromMinutes(1)).Stdout.Trim());

    /// <summary>The pwsh executable: BACKUPOPS_PWSH, else pwsh on PATH, else ~/.dotnet/tools/pwsh.</summary>
    public static string Executable => ExecutableInstance.Value;

    /// <summary>$PSHOME of that pwsh: where System.Management.Automation.dll and the PowerShell runtime live.</summary>
    public static string Home => HomeInstance.Value;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PackageRoot => Metadata("NuGetPackageRoot");

    public static string PesterModule
    {
        get
        {
            var path = Path.Combine(PackageRoot, "pester", Metadata("PesterVersion"), "tools", "Pester.psd1");
            return File.Exists(path) ? path : throw new InvalidOperationException($"Pester is missing at {path}: `dotnet restore` of tests/BackupOps.PowerShell.Tests downloads it (./test.sh does).");
        }
    }

    public static string Metadata(string key) =>
        typeof(Pwsh).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"assembly metadata {key} is missing");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs pwsh with <paramref name="arguments"/>; killed (with its children) after <paramref name="timeout"/>.</summary>
    public static Result Run(IEnumerable<string> arguments, TimeSpan timeout, IDictionary<string, string?>? environment = null, string? workingDirectory = null, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Executable}");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"pwsh {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string Locate()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("BACKUPOPS_PWSH") };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, "pwsh")));
        candidates.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh"));
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new InvalidOperationException("pwsh is not installed: `dotnet tool install --global PowerShell --version 7.6.9` (./test.sh does it), or set BACKUPOPS_PWSH.");
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BackupOps.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("BackupOps.sln not found above the test folder.");
    }
}
