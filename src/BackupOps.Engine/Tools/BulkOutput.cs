namespace BackupOps.Engine.Tools;

/// <summary>
/// Makes a C tool that streams through stdio (pg_dump) write its output in 1 MiB pieces instead of 4 KiB ones. glibc
/// sizes a pipe's stdout buffer at 4 KiB, so pg_dump makes one write per 4 KiB (a quarter of a million per GB) and
/// every one of them wakes the reader: measured here, that cost BackupOps 5 CPU-seconds of system time per GB that
/// pg_dump writing to a file never pays. coreutils' <c>stdbuf -o1M</c> sets the buffer without changing the tool, which
/// it then execs (same process, same pid). Where stdbuf or its preload library is missing the tool runs as it is.
/// </summary>
internal static class BulkOutput
{
    private const string BufferSize = "1M";

    private static readonly string[] StdbufPaths = ["/usr/bin/stdbuf", "/bin/stdbuf"];

    private static readonly string[] LibraryPaths = ["/usr/libexec/coreutils/libstdbuf.so", "/usr/lib/coreutils/libstdbuf.so", "/usr/lib64/coreutils/libstdbuf.so", "/usr/lib/x86_64-linux-gnu/coreutils/libstdbuf.so"];

    private static readonly Lazy<string?> Stdbuf = new(Find);

    /// <summary>The program and arguments that run <paramref name="path"/> with a 1 MiB stdout buffer.</summary>
    public static (string Path, IReadOnlyList<string> Arguments) Wrap(string path, IReadOnlyList<string> arguments) =>
        Stdbuf.Value is { } stdbuf ? (stdbuf, ["-o" + BufferSize, path, .. arguments]) : (path, arguments);

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("BACKUPOPS_NO_STDBUF") is "1")
        {
            return null;
        }

        var stdbuf = StdbufPaths.FirstOrDefault(File.Exists);
        return stdbuf is not null && LibraryPaths.Any(File.Exists) ? stdbuf : null;
    }
}
