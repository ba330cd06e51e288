using System.Globalization;

// The benchmark drives PostgreSQL, Ceph and GNU time as Linux processes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace BackupOps.Bench;

/// <summary>Helpers every benchmark mode uses.</summary>
internal static class BenchUtil
{
    /// <summary>
    /// How the CLI is published, exactly as test.sh's publish line (run from the repository root): the benchmark measures
    /// the form a database host gets. Keep the two in step; this is the only place in bench/ that names it.
    /// </summary>
    public const string PublishCommand = "dotnet publish src/BackupOps.Cli -c Release -r linux-x64 -o artifacts/cli -nologo -v q";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BackupOps.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run from the BackupOps repository");
    }

    /// <summary>
    /// Publishes the CLI with <see cref="PublishCommand"/> into artifacts/cli and returns the shell words that run it:
    /// <c>dotnet '…/backupops.dll'</c> for a framework-dependent publish, or the executable itself when the publish
    /// produced a <c>backupops</c> without a <c>backupops.dll</c> (Native AOT; a dll left over from an older publish does not count).
    /// </summary>
    public static string PublishCli(string repo)
    {
        var output = Path.Combine(repo, "artifacts", "cli");
        Console.Error.WriteLine($"publishing the CLI to {output}: {PublishCommand}");
        Measure.Shell($"cd '{repo}' && {PublishCommand}", new Dictionary<string, string>());
        return CliInvocation(output);
    }

    /// <summary>The shell words that run the CLI published in <paramref name="folder"/> (see <see cref="PublishCli"/>).</summary>
    public static string CliInvocation(string folder)
    {
        var dll = Path.Combine(folder, "backupops.dll");
        var native = Path.Combine(folder, "backupops");
        var executable = File.Exists(native) && (File.GetUnixFileMode(native) & UnixFileMode.UserExecute) != 0;
        // A framework-dependent publish writes backupops.dll and its apphost together; a Native AOT publish into the
        // same folder writes only the executable, so a dll much older than it is a leftover and must not be measured.
        if (File.Exists(dll) && (!executable || File.GetLastWriteTimeUtc(dll) >= File.GetLastWriteTimeUtc(native).AddMinutes(-1)))
        {
            return $"dotnet '{dll}'";
        }

        return executable ? $"'{native}'" : throw new InvalidOperationException($"neither {dll} nor an executable {native} exists after the publish");
    }

    /// <summary>Wraps a shell command to run as the postgres user when the benchmark runs as root (PostgreSQL refuses root).</summary>
    public static string AsPostgres(string command) =>
        Environment.UserName == "root" ? $"runuser -u postgres -- bash -o pipefail -c '{command.Replace("'", "'\\''", StringComparison.Ordinal)}'" : command;

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>CPU seconds the Ceph daemons of the benchmark's RGW have used so far (utime + stime of the pids in its run folder).</summary>
    public static double RgwCpuSeconds(string rgwDir)
    {
        var run = Path.Combine(rgwDir, "run");
        var total = 0L;
        foreach (var pidFile in Directory.Exists(run) ? Directory.GetFiles(run, "*.pid") : [])
        {
            var stat = $"/proc/{File.ReadAllText(pidFile).Trim()}/stat";
            if (File.Exists(stat))
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return total / 100.0; // USER_HZ
    }

    /// <summary>Bytes of the dump objects under a folder (or one file): what a backup row wrote.</summary>
    public static long SizeOf(string path, string pattern = "*.dump*") => Directory.Exists(path)
        ? new DirectoryInfo(path).EnumerateFiles(pattern, SearchOption.AllDirectories).Sum(f => f.Length)
        : File.Exists(path) ? new FileInfo(path).Length : 0;

    public static string Ratio(double value, double baseline) => double.IsNaN(baseline) || double.IsNaN(value) || baseline == 0 ? "" : $"{value / baseline:0.00}×";

    public static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
