using System.Globalization;
using System.Text.Json;

namespace BackupOps.Engine.Leftovers;

/// <summary>A temporary folder a killed run left (a download, a replicated RDB, a sandbox).</summary>
/// <param name="Path">The folder.</param>
/// <param name="Purpose">A backup id (a restore's download), <c>pitr-&lt;base backup id&gt;</c> (a point-in-time recovery's server), <c>redis-rdb</c>, <c>redis-sandbox</c>, <c>drill-postgres</c>, <c>drill-demo</c>.</param>
/// <param name="SizeBytes">What it holds.</param>
/// <param name="CreatedUtc">When the run made it.</param>
/// <param name="OwnerRunning">True when the process that made it is still running on this machine (then it is in use).</param>
public sealed record TempLeftover(string Path, string Purpose, long SizeBytes, DateTimeOffset CreatedUtc, bool OwnerRunning)
{
    /// <summary>The PostgreSQL still running on the folder (a point-in-time recovery whose run was killed outright), or null.</summary>
    public int? ServerProcessId { get; init; }

    /// <summary>
    /// Downloads can always be fetched again; sandboxes and drill servers may hold a running process and are only
    /// reported; a recovery's folder goes once no server runs on it (never from under a running postmaster).
    /// </summary>
    public bool Removable => !OwnerRunning && ServerProcessId is null && Purpose is not ("redis-sandbox" or "drill-postgres" or "drill-demo");
}

/// <summary>
/// Every temporary folder BackupOps makes is named <c>backupops-restore-&lt;purpose&gt;-&lt;id&gt;</c> and carries an owner
/// file (process id, host, time), so a later run can tell a folder in use from one a killed run left, and never
/// touches a folder it did not make.
/// </summary>
public static class TempLeftovers
{
    /// <summary>Name prefix of BackupOps' temporary folders.</summary>
    public const string FolderPrefix = "backupops-restore-";

    private const string OwnerFile = ".backupops-owner.json";

    /// <summary>The temporary root: the given folder, BACKUPOPS_TEMP, or the system temp.</summary>
    public static string RootOf(string? tempRoot) => tempRoot ?? (Environment.GetEnvironmentVariable("BACKUPOPS_TEMP") is { Length: > 0 } configured ? configured : System.IO.Path.GetTempPath());

    /// <summary>Writes the owner file into a new temporary folder.</summary>
    public static void MarkOwner(string directory, string purpose) =>
        Wal.PrivateFiles.WriteAllText(System.IO.Path.Combine(directory, OwnerFile), JsonSerializer.Serialize(new Owner(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow, purpose), Serialization.EngineJsonContext.Default.Owner));

    /// <summary>BackupOps' folders under the temporary root (those with an owner file only), excluding this process's own.</summary>
    public static IReadOnlyList<TempLeftover> List(string? tempRoot)
    {
        var root = RootOf(tempRoot);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var result = new List<TempLeftover>();
        foreach (var directory in Directory.EnumerateDirectories(root, FolderPrefix + "*"))
        {
            Owner? owner;
            try
            {
                owner = JsonSerializer.Deserialize(File.ReadAllText(System.IO.Path.Combine(directory, OwnerFile)), Serialization.EngineJsonContext.Default.Owner);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                continue; // not ours, or not readable: never touched
            }

            if (owner is null || (owner.ProcessId == Environment.ProcessId && owner.Host == Environment.MachineName))
            {
                continue;
            }

            var running = owner.Host == Environment.MachineName && IsRunning(owner.ProcessId);
            result.Add(new TempLeftover(directory, owner.Purpose, SizeOf(directory), owner.CreatedUtc, running) { ServerProcessId = RunningPostmaster(directory) });
        }

        return result;
    }

    /// <summary>Removes a leftover folder; returns a problem description, or null.</summary>
    public static string? Remove(TempLeftover leftover)
    {
        ArgumentNullException.ThrowIfNull(leftover);
        try
        {
            Directory.Delete(leftover.Path, recursive: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{leftover.Path} could not be removed ({ex.Message})";
        }
    }

    /// <summary>One line for an operator.</summary>
    public static string Describe(TempLeftover leftover)
    {
        ArgumentNullException.ThrowIfNull(leftover);
        var what = leftover.Purpose switch
        {
            "redis-rdb" => "a Redis RDB fetched for a snapshot",
            "redis-sandbox" => "a sandbox Redis server's folder",
            "drill-postgres" or "drill-demo" => "a drill's disposable server folder",
            _ when leftover.Purpose.StartsWith(RecoveryPurposePrefix, StringComparison.Ordinal) => $"a point-in-time recovery's disposable server folder (base backup {leftover.Purpose[RecoveryPurposePrefix.Length..]})",
            _ => $"a download of backup {leftover.Purpose} for a restore",
        };
        var server = leftover.ServerProcessId is { } pid && !leftover.OwnerRunning
            ? $"; its PostgreSQL still runs (pid {pid}), left by a run that was killed: stop it with pg_ctl -D {System.IO.Path.Combine(leftover.Path, "data")} -m immediate stop (as its owner), then prune removes the folder"
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{leftover.Path} ({leftover.SizeBytes / 1048576.0:0.0} MiB, made {leftover.CreatedUtc:yyyy-MM-dd HH:mm} UTC): {what}{(leftover.OwnerRunning ? "; still in use" : string.Empty)}{server}");
    }

    /// <summary>Purpose prefix of a point-in-time recovery's folder (its server's data directory is <c>data/</c> inside).</summary>
    public const string RecoveryPurposePrefix = "pitr-";

    // A postmaster.pid names the server's process; /proc tells whether it still runs (a stale file after a crash does not count).
    private static int? RunningPostmaster(string directory)
    {
        try
        {
            var pidFile = System.IO.Path.Combine(directory, "data", "postmaster.pid");
            return File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}")
                ? pid
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static long SizeOf(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The owner file's content (default System.Text.Json naming: PascalCase).</summary>
    internal sealed record Owner(int ProcessId, string Host, DateTimeOffset CreatedUtc, string Purpose);
}
