using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace BackupOps.Engine.Tools;

/// <summary>
/// Widens a pipe to a child process on Linux. .NET writes to a pipe without blocking and waits for room
/// through epoll, so with the default 64 KiB pipe every 1 MiB chunk crosses in 16 wake-ups of both
/// processes; at 1 MiB it is one (measured in docs/benchmark.md). Elsewhere, or when the kernel refuses
/// (a lower /proc/sys/fs/pipe-max-size), the pipe keeps its size.
/// </summary>
internal static class PipeCapacity
{
    private const int SetPipeSize = 1031; // F_SETPIPE_SZ

    public static void TryWiden(Stream pipe, int bytes)
    {
        if (OperatingSystem.IsLinux() && pipe is PipeStream { SafePipeHandle: var handle })
        {
            _ = Fcntl((int)handle.DangerousGetHandle(), SetPipeSize, bytes);
        }
    }

    // DllImport rather than LibraryImport: the generated stub would need unsafe code for one int-only call.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fcntl(int descriptor, int command, int argument);
#pragma warning restore SYSLIB1054
}
