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

    private VerifiedSource(string path, string? tempDirectory, long size, TimeSpan duration)
    {
        FilePath = path;
        _tempDirectory = tempDirectory;
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
                await using var download = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
                (sha256, size) = await HashingCopier.CopyAsync(download, file.WriteAsync, Reporter(progress, activity, $"downloading from {store.Display}", manifest.SizeBytes), cancellationToken).ConfigureAwait(false);
            }

            ManifestChecksum.Verify(manifest, sha256, size);
        }
        catch
        {
            DeleteQuietly(tempDirectory);
            throw;
        }

        return new VerifiedSource(path, tempDirectory, size, clock.Elapsed);
    }

    public static string CreateTempDirectory(string? tempRoot, string name)
    {
        var directory = Path.Combine(Leftovers.TempLeftovers.RootOf(tempRoot), $"{Leftovers.TempLeftovers.FolderPrefix}{name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(directory);
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

    public void Dispose() => DeleteQuietly(_tempDirectory);

    private static Action<long, double>? Reporter(IProgress<OperationProgress>? progress, string activity, string status, long total) =>
        progress is null ? null : (done, rate) => progress.Report(new OperationProgress(activity, status, done, total, rate));
}
