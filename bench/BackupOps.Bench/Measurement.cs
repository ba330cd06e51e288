using System.Diagnostics;
using System.Globalization;

namespace BackupOps.Bench;

/// <summary>One whole-process run, measured by GNU time: wall seconds, CPU seconds (user + system, children included), peak RSS.</summary>
internal sealed record Measurement(double WallSeconds, double CpuSeconds, long PeakRssKb);

/// <summary>Runs shell commands under /usr/bin/time.</summary>
internal static class Measure
{
    public static Measurement Run(string command, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", "BENCH %e %U %S %M", "bash", "-o", "pipefail", "-c", command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        var line = stderr.Split('\n').LastOrDefault(l => l.StartsWith("BENCH ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"'{command}' failed ({process.ExitCode}):\n{stderr}");
        }

        var parts = line.Split(' ');
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        return new Measurement(D(parts[1]), D(parts[2]) + D(parts[3]), long.Parse(parts[4], CultureInfo.InvariantCulture));
    }

    public static void Shell(string command, IDictionary<string, string> environment) => Run(command, environment);

    /// <summary>Runs a shell command and returns its standard output (fails loudly like <see cref="Run"/>).</summary>
    public static string Capture(string command, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-o", "pipefail", "-c", command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout : throw new InvalidOperationException($"'{command}' failed ({process.ExitCode}):\n{stderr.Result}");
    }

    /// <summary>
    /// Runs a shell command and returns the seconds from its start to the first line of standard output that matches
    /// <paramref name="pattern"/> (what a person or a pipe sees first); the rest is drained and the command must succeed.
    /// </summary>
    public static double FirstMatchingLine(string command, IDictionary<string, string> environment, System.Text.RegularExpressions.Regex pattern)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-o", "pipefail", "-c", command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var first = double.NaN;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (double.IsNaN(first) && pattern.IsMatch(line))
            {
                first = clock.Elapsed.TotalSeconds;
            }
        }

        process.WaitForExit();
        return process.ExitCode == 0 && !double.IsNaN(first) ? first : throw new InvalidOperationException($"'{command}' failed ({process.ExitCode}) or printed no line matching {pattern}:\n{stderr.Result}");
    }
}
