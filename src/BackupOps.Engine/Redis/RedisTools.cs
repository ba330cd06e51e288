using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Redis;

/// <summary>redis-server, redis-cli and redis-check-rdb from the host (Debian: redis-server and redis-tools).</summary>
internal static class RedisTools
{
    public static ExternalTool Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return new ExternalTool(name, path, string.Empty, 0);
            }
        }

        throw new BackupOpsException(BackupOpsErrorKind.ToolMissing, "RedisToolMissing", $"{name} was not found on PATH. Install it (Debian: apt-get install redis-tools{(name == "redis-server" ? " redis-server" : string.Empty)}).");
    }
}
