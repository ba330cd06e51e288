namespace BackupOps.Bench;

/// <summary>Helpers both benchmark modes use.</summary>
internal static class BenchUtil
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
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
    /// Publishes the CLI the way a database host gets it (Release, ReadyToRun, linux-x64) into artifacts/cli and
    /// returns its backupops.dll: the benchmark measures the deployed form, from this checkout's sources.
    /// </summary>
    public static string PublishCli(string repo)
    {
        var output = Path.Combine(repo, "artifacts", "cli");
        Console.Error.WriteLine($"publishing the CLI (ReadyToRun) to {output} ...");
        Measure.Shell($"dotnet publish '{Path.Combine(repo, "src", "BackupOps.Cli", "BackupOps.Cli.csproj")}' -c Release -r linux-x64 -o '{output}' -nologo -v q", new Dictionary<string, string>());
        return Path.Combine(output, "backupops.dll");
    }
}
