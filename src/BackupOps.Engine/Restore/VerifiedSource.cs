using System.Diagnostics;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Restore;

/// <summary>
/// A backup's bytes on local disk, proven equal to the manifest's SHA-256 before anything touches the target.
/// A folder store is hashed in place; a remote store is downloaded once into a temporary folder, hashing on the way.
/// Redis restores use it (redis-server loads an RDB file from disk, so there is nothing to overlap); PostgreSQL
/// restores overlap download and restore instead (<see cref="VerifiedRestore"/>).
/// </summary>
internal sealed class VerifiedSource : IDisposable
{
    private readonly string? _tempDirectory;
    private readonly FileStream? _download;

    private VerifiedSource(string path, string? tempDirectory, FileStream? download, long size, TimeSpan duration)
    {
        FilePath = path;
        _tempDirectory = tempDirectory;
        _download = download;
        SizeBytes = size;
        Duration = duration;
    }

    public string FilePath { get; }

    public long SizeBytes { get; }

    public TimeSpan Duration { get; }

    public static async Task<VerifiedSource> AcquireAsync(IBackupStore store, IBackupManifest manifest, string? tempRoot, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var activity = $"Restoring {manifest.Database} {manifest.BackupId}";
        var localPath = store.TryGetLocalPath(manifest.DataKey);
        string? tempDirectory = null;
        FileStream? download = null;
        string path;
        string sha256;
        long size;
        try
        {
            if (localPath is not null)
            {
                path = localPath;
                await using var file = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
                (sha256, size) = await HashingCopier.CopyAsync(file, static (_, _) => ValueTask.CompletedTask, Reporter(progress, activity, "verifying SHA-256", manifest.SizeBytes), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                tempDirectory = CreateTempDirectory(tempRoot, manifest.BackupId);
                path = Path.Combine(tempDirectory, Path.GetFileName(manifest.DataKey));
                await using var source = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
                download = Wal.PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1 << 20, FileOptions.Asynchronous);
                (sha256, size) = await HashingCopier.CopyAsync(source, download.WriteAsync, Reporter(progress, activity, $"downloading from {store.Display}", manifest.SizeBytes), cancellationToken).ConfigureAwait(false);
                await download.FlushAsync(cancellationToken).ConfigureAwait(false);

                // From here the download has no name (Linux): it vanishes with this process however it ends.
                path = Wal.PrivateFiles.Unlink(download, path);
            }

            ManifestChecksum.Verify(manifest, sha256, size);
        }
        catch
        {
            download?.Dispose();
            DeleteQuietly(tempDirectory);
            throw;
        }

        return new VerifiedSource(path, tempDirectory, download, size, clock.Elapsed);
    }

    /// <summary>
    /// A new private (0700) temporary folder with an unguessable name and an owner file, under the temporary root. A
    /// name that already exists (someone else made it) is never used.
    /// </summary>
    public static string CreateTempDirectory(string? tempRoot, string name)
    {
        var root = Leftovers.TempLeftovers.RootOf(tempRoot);
        if (!Directory.Exists(root))
        {
            // A root BackupOps makes is 0711: nobody else can list it, and the postgres user of a disposable server can
            // still pass through to the 0700 folder it is given. An existing root (/tmp) is never changed.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(root);
            }
            else
            {
                Directory.CreateDirectory(root, Wal.PrivateFiles.OwnerOnlyDirectory | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        string directory;
        do
        {
            directory = Path.Combine(root, $"{Leftovers.TempLeftovers.FolderPrefix}{name}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}");
        }
        while (Path.Exists(directory));

        Wal.PrivateFiles.CreateDirectory(directory);
        Leftovers.TempLeftovers.MarkOwner(directory, name);
        return directory;
    }

    public static void DeleteQuietly(string? directory)
    {
        try
        {
            if (directory is not null && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not worth failing a restore for.
        }
    }

    public void Dispose()
    {
        _download?.Dispose();
        DeleteQuietly(_tempDirectory);
    }

    private static Action<long, double>? Reporter(IProgress<OperationProgress>? progress, string activity, string status, long total) =>
        progress is null ? null : (done, rate) => progress.Report(new OperationProgress(activity, status, done, total, rate));
}
