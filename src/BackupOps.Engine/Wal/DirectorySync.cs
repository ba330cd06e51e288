using System.Runtime.InteropServices;

namespace BackupOps.Engine.Wal;

/// <summary>fsync of a directory (Linux), so a rename into it survives a power loss; a no-op elsewhere.</summary>
internal static class DirectorySync
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnlyDirectory);
        if (descriptor >= 0)
        {
            _ = Fsync(descriptor);
            _ = Close(descriptor);
        }
    }

    // DllImport rather than LibraryImport: the generated stubs would need unsafe code for three int-only calls.
#pragma warning disable SYSLIB1054, CA2101
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
#pragma warning restore SYSLIB1054, CA2101
}
