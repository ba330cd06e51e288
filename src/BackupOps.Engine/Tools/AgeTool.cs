using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Tools;

/// <summary>The <c>age</c> binary, used as a streaming filter for client-side encryption.</summary>
public static class AgeTool
{
    /// <summary>Finds age on PATH (Debian: <c>apt-get install age</c>).</summary>
    public static ExternalTool Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "age");
            if (File.Exists(path))
            {
                var version = ProcessRunner.RunToEnd(path, ["--version"], TimeSpan.FromSeconds(10))?.Trim() ?? "unknown";
                return new ExternalTool("age", path, version, 0);
            }
        }

        throw new BackupOpsException(BackupOpsErrorKind.ToolMissing, "AgeMissing", "age is needed for encrypted backups and was not found on PATH. Install it (Debian: apt-get install age).");
    }

    /// <summary>Arguments that encrypt stdin to stdout for the given public recipients.</summary>
    public static IReadOnlyList<string> EncryptArguments(IEnumerable<string> recipients) =>
        [.. recipients.SelectMany(r => new[] { "-r", r })];

    /// <summary>Arguments that decrypt stdin to stdout with an identity file.</summary>
    public static IReadOnlyList<string> DecryptArguments(string identityFile) => ["-d", "-i", identityFile];
}
