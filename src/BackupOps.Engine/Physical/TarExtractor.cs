using System.Formats.Tar;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Physical;

/// <summary>Unpacks a base backup's tar stream into a data directory, keeping file modes; refuses paths that leave it.</summary>
internal static class TarExtractor
{
    public static async Task<int> ExtractAsync(Stream tar, string dataDirectory, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(dataDirectory) + Path.DirectorySeparatorChar;
        var files = 0;
        var buffer = new byte[1 << 20];
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!path.StartsWith(root, StringComparison.Ordinal) && path + Path.DirectorySeparatorChar != root)
            {
                throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "BaseBackupPathInvalid", $"The base backup holds '{entry.Name}', a path outside the data directory. Nothing of it was kept; the backup cannot be trusted.");
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    SetMode(path, entry.Mode | UnixFileMode.UserExecute | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    }

                    await using (var file = new FileStream(path, options))
                    {
                        if (entry.DataStream is { } data)
                        {
                            int read;
                            while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                            {
                                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }

                    SetMode(path, entry.Mode);
                    files++;
                    break;
                case TarEntryType.SymbolicLink:
                    File.CreateSymbolicLink(path, entry.LinkName);
                    break;
                default:
                    break; // pg_basebackup writes only directories, files and (for tablespaces) links
            }
        }

        return files;
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode & (UnixFileMode)0b111_111_000);
        }
    }
}
