namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A small real file system for full-disk and read-only faults: <c>mount -t tmpfs -o size=N</c> on a temp folder
/// (needs root, which the suite has: PostgreSQL and Ceph need it too). Unmounted on dispose, and by the exit
/// watchdog if the test process dies first.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static Tmpfs Mount(int megabytes)
    {
        if (!Shell.IsRoot)
        {
            throw new InvalidOperationException("The full-disk and read-only store tests mount a tmpfs and need root; run the suite as root (./test.sh does on the build machines).");
        }

        var path = Directory.CreateTempSubdirectory("backupops-tmpfs-").FullName;
        Shell.WhenTestProcessExits($"umount -l '{path}'; rmdir '{path}'");
        Shell.Run("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", path]);
        return new Tmpfs(path);
    }

    public void RemountReadOnly() => Shell.Run("mount", ["-o", "remount,ro", Path]);

    /// <summary>Writes a file until the file system is full.</summary>
    public void FillUp(string name = "filler")
    {
        // Unbuffered, so the write that hits ENOSPC fails here and nothing is left to flush on dispose.
        using var file = new FileStream(System.IO.Path.Combine(Path, name), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // full
        }
    }

    public void Dispose()
    {
        try
        {
            Shell.Run("umount", ["-l", Path]);
            Directory.Delete(Path);
        }
        catch (InvalidOperationException)
        {
            // the watchdog retries at exit
        }
    }
}
