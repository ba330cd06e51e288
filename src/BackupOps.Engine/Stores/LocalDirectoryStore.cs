using System.Runtime.CompilerServices;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// A folder as a store. Objects are written to <c>key.partial</c> and renamed into place only on commit, after
/// an fsync, so a crash or kill never leaves a file under the final name.
/// </summary>
public sealed class LocalDirectoryStore : IBackupStore
{
    /// <summary>Suffix of files still being written.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Creates a store rooted at <paramref name="root"/> (created when missing).</summary>
    public LocalDirectoryStore(string root)
    {
        Root = Path.GetFullPath(root);
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
        var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        return Task.FromResult<IStoreObjectWriter>(new LocalObjectWriter(stream, partial, path));
    }

    /// <inheritdoc />
    public async Task PutSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var writer = await BeginWriteAsync(key, content.Length, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(string.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<byte[]?> TryGetSmallAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
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
        foreach (var file in EnumerateUnder(prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Name.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            yield return new StoreObject(KeyOf(file.FullName), file.Length, file.LastWriteTimeUtc);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IncompleteWrite>> ListIncompleteWritesAsync(string prefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<IncompleteWrite> result = EnumerateUnder(prefix)
            .Where(f => f.Name.EndsWith(PartialSuffix, StringComparison.Ordinal))
            .Select(f => new IncompleteWrite(KeyOf(f.FullName[..^PartialSuffix.Length]), f.LastWriteTimeUtc, f.FullName, $"partial file {f.FullName} ({f.Length} bytes)"))
            .ToList();
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task DiscardIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        File.Delete(write.Handle);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        File.Delete(path);
        RemoveEmptyParents(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar)));
        if (!path.StartsWith(Root, StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("StoreKeyInvalid", $"The key '{key}' points outside the store folder {Root}.");
        }

        return path;
    }

    private string KeyOf(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private IEnumerable<FileInfo> EnumerateUnder(string prefix)
    {
        var dir = Path.Combine(Root, prefix.Replace('/', Path.DirectorySeparatorChar));
        return Directory.Exists(dir)
            ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories)
            : [];
    }

    // Keeps the folder tidy after probes and prunes; the root itself always stays.
    private void RemoveEmptyParents(string directory)
    {
        while (directory.Length > Root.Length && directory.StartsWith(Root, StringComparison.Ordinal) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return; // a concurrent backup just wrote into it
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private static void EnsureDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupOpsException(BackupOpsErrorKind.InvalidInput, "StoreNotWritable", $"The store folder {directory} cannot be created: {ex.Message} Choose a writable folder with -Store / --store or BACKUP_DIR.", ex);
        }
    }

    private sealed class LocalObjectWriter(FileStream stream, string partialPath, string finalPath) : IStoreObjectWriter
    {
        private bool _done;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => stream.WriteAsync(data, cancellationToken);

        public async Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Move(partialPath, finalPath, overwrite: false);
            _done = true;
        }

        public async Task AbortAsync()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(partialPath);
        }

        public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);
    }
}
