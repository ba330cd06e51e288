namespace BackupOps.Engine.Wal;

/// <summary>
/// Files and folders only their owner can read: WAL, dumps, RDBs and downloads hold every secret the database holds.
/// Modes are set when the file is created (never created readable and tightened later), so no other user can open it
/// in between.
/// </summary>
internal static class PrivateFiles
{
    /// <summary>0700.</summary>
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0600.</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens a new or existing file, creating it 0600 (<paramref name="mode"/> on Unix when given).</summary>
    public static FileStream Open(string path, FileMode fileMode, FileAccess access, FileShare share, int bufferSize, FileOptions options, UnixFileMode mode = OwnerOnlyFile)
    {
        var streamOptions = new FileStreamOptions { Mode = fileMode, Access = access, Share = share, BufferSize = bufferSize, Options = options };
        if (!OperatingSystem.IsWindows() && fileMode is FileMode.CreateNew or FileMode.Create or FileMode.OpenOrCreate)
        {
            streamOptions.UnixCreateMode = mode;
        }

        return new FileStream(path, streamOptions);
    }

    /// <summary>Writes a new file 0600.</summary>
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await using var file = Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a new file 0600.</summary>
    public static Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteAllBytesAsync(path, System.Text.Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Writes a new file 0600 (synchronously).</summary>
    public static void WriteAllText(string path, string text)
    {
        using var file = Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None);
        file.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// On Linux, removes the file's name while <paramref name="open"/> keeps it alive, and returns a path that reaches
    /// the open file (<c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c>) for this process and its children: the bytes then vanish with the
    /// handle however the process ends, SIGKILL included, and no other user can ever open them by name. Elsewhere the
    /// name stays and is returned.
    /// </summary>
    public static string Unlink(FileStream open, string path)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (!OperatingSystem.IsLinux())
        {
            return path;
        }

        var handle = open.SafeFileHandle.DangerousGetHandle().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var viaProc = $"/proc/{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/fd/{handle}";
        if (!File.Exists(viaProc))
        {
            return path;
        }

        File.Delete(path);
        return viaProc;
    }

    /// <summary>Creates a folder 0700 (and tightens an existing one).</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        CreateEach(path, OwnerOnlyDirectory);
        if ((File.GetUnixFileMode(path) & ~OwnerOnlyDirectory) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnlyDirectory);
        }
    }

    /// <summary>
    /// Creates every missing folder of <paramref name="path"/> with <paramref name="mode"/> (Unix):
    /// Directory.CreateDirectory(path, mode) gives the mode to the last folder only, the ones above get 0755.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void CreateEach(string path, UnixFileMode mode)
    {
        var missing = new Stack<string>();
        for (var at = Path.GetFullPath(path); !Directory.Exists(at); at = Path.GetDirectoryName(at)!)
        {
            missing.Push(at);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next, mode);
        }
    }

    /// <summary>Makes a file 0600.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }

    /// <summary>Writes a file 0600 through a temporary name, fsyncs it, renames it into place and fsyncs the folder.</summary>
    public static async Task WriteDurablyAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        try
        {
            await using (var file = new FileStream(temporary, options))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        DirectorySync.Flush(directory);
    }
}
