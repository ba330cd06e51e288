using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// A folder as a store. Objects are written to <c>key.partial</c> and renamed into place only on commit, after
/// an fsync, so a crash or kill never leaves a file under the final name. Symbolic links below the root are never
/// followed (listed as links for the catalog to report), and nothing is written or deleted through one. Dumps and
/// manifests hold the database: files are created 0600 and folders 0700, unless the store's root carries the setgid bit
/// (<c>chgrp backup-readers ROOT; chmod 2750 ROOT</c>), the operator's sign that its group shares the store on
/// purpose: then 0640 and 0750 (the kernel carries the group and the setgid bit down).
/// </summary>
public sealed class LocalDirectoryStore : IBackupStore
{
    /// <summary>Suffix of files still being written.</summary>
    public const string PartialSuffix = ".partial";

    // Kernel file systems: a folder there exists and lists as empty, which would make a typo look like a healthy empty store.
    private static readonly string[] PseudoFileSystems = ["proc", "sysfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "efivarfs", "fusectl", "mqueue"];

    /// <summary>Creates a store rooted at <paramref name="root"/> (created on the first write when missing).</summary>
    public LocalDirectoryStore(string root)
    {
        Root = Path.GetFullPath(root);
        RefuseNonFolder(root, Root);
    }

    /// <summary>The folder's absolute path.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Display => Root;

    /// <inheritdoc />
    public Task<IStoreObjectWriter> BeginWriteAsync(string key, long expectedBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        EnsureDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "StoreObjectExists", $"{path} already exists; BackupOps never overwrites a stored object.");
        }

        var partial = path + PartialSuffix;
        try
        {
            var stream = new FileStream(partial, CreateOptions(1 << 20));
            return Task.FromResult<IStoreObjectWriter>(new LocalObjectWriter(this, stream, partial, path));
        }
        catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
        {
            throw StoreFaults.Translate(ex, Root, $"creating {partial}");
        }
    }

    /// <inheritdoc />
    public async Task PutSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var writer = await BeginWriteAsync(key, content.Length, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(string.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReplaceSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        EnsureDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid().ToString("N")[..8]}{PartialSuffix}";
        try
        {
            await using (var file = new FileStream(temporary, CreateOptions(4096)))
            {
                await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
        {
            TryDelete(temporary);
            throw StoreFaults.Translate(ex, Root, $"writing {path}");
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> TryGetSmallAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // removed meanwhile (a concurrent prune)
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new BackupOpsException(BackupOpsErrorKind.NotFound, "StoreObjectNotFound", $"{path} does not exist.") { Target = key };
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    /// <inheritdoc />
    public string? TryGetLocalPath(string key) => PathOf(key);

    /// <inheritdoc />
    public async IAsyncEnumerable<StoreObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var entry in EnumerateUnder(prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.LinkTarget is not null)
            {
                yield return new StoreObject(KeyOf(entry.Path), 0, entry.LastWriteUtc) { LinkTarget = entry.LinkTarget };
            }
            else if (!entry.Path.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                yield return new StoreObject(KeyOf(entry.Path), entry.Length, entry.LastWriteUtc);
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IncompleteWrite>> ListIncompleteWritesAsync(string prefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<IncompleteWrite> result = EnumerateUnder(prefix)
            .Where(e => e.LinkTarget is null && e.Path.EndsWith(PartialSuffix, StringComparison.Ordinal))
            .Select(e => new IncompleteWrite(KeyOf(e.Path[..^PartialSuffix.Length]), e.LastWriteUtc, e.Path, $"partial file {e.Path} ({e.Length} bytes)"))
            .ToList();
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task DiscardIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var path = Path.GetFullPath(write.Handle);
        RefuseLinksOnPath(path);
        Delete(path);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        RefuseLinksOnPath(path);
        Delete(path);
        RemoveEmptyParents(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar)));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("StoreKeyInvalid", $"The key '{key}' points outside the store folder {Root}.");
        }

        return path;
    }

    private string KeyOf(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private sealed record Entry(string Path, long Length, DateTimeOffset LastWriteUtc, string? LinkTarget);

    private IEnumerable<Entry> EnumerateUnder(string prefix)
    {
        var dir = Path.Combine(Root, prefix.Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        var entries = new FileSystemEnumerable<Entry>(
            dir,
            (ref FileSystemEntry e) =>
            {
                var path = e.ToFullPath();
                return (e.Attributes & FileAttributes.ReparsePoint) != 0
                    ? new Entry(path, 0, e.LastWriteTimeUtc, new FileInfo(path).LinkTarget ?? "?")
                    : new Entry(path, e.Length, e.LastWriteTimeUtc, null);
            },
            options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory || (e.Attributes & FileAttributes.ReparsePoint) != 0,
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        foreach (var entry in entries)
        {
            yield return entry;
        }
    }

    // Deleting through a linked folder would remove another folder's files.
    private void RefuseLinksOnPath(string path)
    {
        for (var directory = Path.GetDirectoryName(path); directory is not null && directory.Length > Root.Length; directory = Path.GetDirectoryName(directory))
        {
            if (new DirectoryInfo(directory).LinkTarget is { } target)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "StoreLinkRefused", $"{directory} is a symbolic link (to {target}); BackupOps does not delete or write through links in a store. Replace the link by a folder, or remove it.") { Target = directory };
            }
        }
    }

    private void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Deleting a missing object is not an error, even when its folder went first.
        }
        catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
        {
            throw StoreFaults.Translate(ex, Root, $"deleting {path}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
        {
            // Best effort on a failure path; the caller reports the first error.
        }
    }

    // Keeps the folder tidy after probes and prunes; the root itself always stays.
    private void RemoveEmptyParents(string directory)
    {
        while (directory.Length > Root.Length && directory.StartsWith(Root, StringComparison.Ordinal) && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
            {
                return; // a concurrent backup just wrote into it, or the file system refuses: an empty folder is harmless
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }

    /// <summary>True when the root has the setgid bit: its group shares the store on purpose.</summary>
    private bool SharedWithGroup => !OperatingSystem.IsWindows() && Directory.Exists(Root) && (File.GetUnixFileMode(Root) & UnixFileMode.SetGroup) != 0;

    private FileStreamOptions CreateOptions(int bufferSize)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = SharedWithGroup ? Wal.PrivateFiles.OwnerOnlyFile | UnixFileMode.GroupRead : Wal.PrivateFiles.OwnerOnlyFile;
        }

        return options;
    }

    private void EnsureDirectory(string directory)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                // Only folders made here get the mode, each of them (Directory.CreateDirectory gives it to the last one
                // only); an existing one (the root the operator made) is left as it is.
                var mode = SharedWithGroup ? Wal.PrivateFiles.OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute : Wal.PrivateFiles.OwnerOnlyDirectory;
                Wal.PrivateFiles.CreateEach(directory, mode);
            }
        }
        catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
        {
            throw StoreFaults.Translate(ex, Root, $"creating the folder {directory}");
        }

        RefuseLinksOnPath(Path.Combine(directory, "x"));
    }

    private static void RefuseNonFolder(string given, string root)
    {
        if (File.Exists(root) || (Path.Exists(root) && !Directory.Exists(root)))
        {
            throw BackupOpsException.InvalidInput("StoreNotAFolder", $"The store '{given}' exists and is not a folder. Give a folder (created when missing) or s3://bucket/prefix with -Store / --store or BACKUP_DIR.");
        }

        var existing = root;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        var pseudo = IsUnder(root, "/proc") || IsUnder(root, "/sys") || (IsUnder(root, "/dev") && !IsUnder(root, "/dev/shm"));
        string? format = null;
        if (!pseudo && !OperatingSystem.IsWindows())
        {
            try
            {
                format = new DriveInfo(existing).DriveFormat;
                pseudo = PseudoFileSystems.Contains(format, StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Cannot tell; the first write will say what is wrong.
            }
        }

        if (pseudo)
        {
            throw BackupOpsException.InvalidInput("StoreNotAFolder", $"The store '{given}' is on a kernel file system ({format ?? root}), not a folder that can hold backups. Give a folder or s3://bucket/prefix with -Store / --store or BACKUP_DIR.");
        }
    }

    private static bool IsUnder(string path, string root) => path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    private sealed class LocalObjectWriter(LocalDirectoryStore store, FileStream stream, string partialPath, string finalPath) : IStoreObjectWriter
    {
        private bool _done;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            try
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
            {
                throw StoreFaults.Translate(ex, store.Root, $"writing {partialPath}");
            }
        }

        public async Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
        {
            try
            {
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
                await stream.DisposeAsync().ConfigureAwait(false);
                File.Move(partialPath, finalPath, overwrite: false);
            }
            catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
            {
                throw StoreFaults.Translate(ex, store.Root, $"committing {finalPath}");
            }

            _done = true;
        }

        public async Task<string?> AbortAsync()
        {
            if (_done)
            {
                return null;
            }

            _done = true;
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
            {
                // Disposing flushes what is buffered, which fails on a full disk; the handle is closed all the same.
            }

            try
            {
                File.Delete(partialPath);
                return null;
            }
            catch (Exception ex) when (StoreFaults.IsFileSystemError(ex))
            {
                return $"the partial file {partialPath} could not be removed ({ex.Message}); delete it, or the next prune removes it after the leftover grace period";
            }
        }

        public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);
    }
}
