using System.Globalization;
using System.Text.RegularExpressions;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Tools;

/// <summary>
/// Finds pg_dump, pg_restore and psql. Debian installs one directory per major version under
/// <c>/usr/lib/postgresql/N/bin</c>; pg_dump must be at least the server's major version, so the newest
/// installed one is preferred. <c>BACKUPOPS_PG_BIN</c> overrides the search.
/// </summary>
public static partial class PgToolLocator
{
    /// <summary>Environment variable naming a directory that holds the PostgreSQL client tools.</summary>
    public const string BinDirectoryVariable = "BACKUPOPS_PG_BIN";

    /// <summary>Finds <paramref name="name"/> whose major version is at least <paramref name="minimumMajor"/>.</summary>
    public static ExternalTool Find(string name, int minimumMajor = 0)
    {
        var candidates = CandidateDirectories()
            .Select(dir => Path.Combine(dir, name))
            .Where(File.Exists)
            .Where(path => !IsDebianWrapper(path))
            .Distinct(StringComparer.Ordinal)
            .Select(path => Describe(name, path))
            .OfType<ExternalTool>()
            .OrderByDescending(t => t.MajorVersion)
            .ToList();

        if (candidates.Count == 0)
        {
            throw new BackupOpsException(
                BackupOpsErrorKind.ToolMissing,
                "PgToolMissing",
                $"{name} was not found. Install the PostgreSQL client (Debian: apt-get install postgresql-client-15) or set {BinDirectoryVariable} to the directory that holds it.");
        }

        var best = candidates[0];
        if (best.MajorVersion < minimumMajor)
        {
            throw new BackupOpsException(
                BackupOpsErrorKind.ToolMissing,
                "PgToolTooOld",
                $"{name} {best.Version} at {best.Path} cannot work with a PostgreSQL {minimumMajor} server; {name} must be version {minimumMajor} or newer. Install postgresql-client-{minimumMajor} or point {BinDirectoryVariable} at a newer bin directory.");
        }

        return best;
    }

    private static IEnumerable<string> CandidateDirectories()
    {
        var overrideDir = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(overrideDir))
        {
            yield return overrideDir;
            yield break;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            foreach (var dir in Directory.GetDirectories(debianRoot))
            {
                yield return Path.Combine(dir, "bin");
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }
    }

    // Debian's /usr/bin/pg_* (and /bin/pg_*) are links to pg_wrapper, which only dispatches to the versioned
    // binaries under /usr/lib/postgresql that are probed anyway; asking each link for its version cost a
    // process start per link on every backup and restore.
    private static bool IsDebianWrapper(string path)
    {
        try
        {
            return Directory.Exists("/usr/lib/postgresql")
                && File.ResolveLinkTarget(path, returnFinalTarget: true) is { Name: "pg_wrapper" };
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static ExternalTool? Describe(string name, string path)
    {
        // Debian's /usr/bin/pg_dump is a wrapper script that picks a version by cluster; ask it anyway.
        var output = ProcessRunner.RunToEnd(path, ["--version"], TimeSpan.FromSeconds(10));
        if (output is null)
        {
            return null;
        }

        var match = VersionPattern().Match(output);
        if (!match.Success)
        {
            return null;
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return new ExternalTool(name, path, match.Value, major);
    }

    /// <summary>Reads a major version out of text such as <c>PostgreSQL 15.18 (Debian ...)</c>.</summary>
    public static int ParseMajor(string versionText)
    {
        var match = VersionPattern().Match(versionText ?? string.Empty);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
