namespace BackupOps.Engine.Stores;

/// <summary>
/// Where backups live: a local directory or an S3-compatible bucket. Keys use '/' separators and are relative
/// to the store's root (the folder, or the bucket prefix).
/// </summary>
public interface IBackupStore : IAsyncDisposable
{
    /// <summary>The store as an operator writes it (a folder path or <c>s3://bucket/prefix</c>); never holds secrets.</summary>
    string Display { get; }

    /// <summary>Starts writing a new object. Nothing is visible under <paramref name="key"/> until <see cref="IStoreObjectWriter.CommitAsync"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="expectedBytes">A size estimate (0 when unknown); S3 sizes its parts from it so a large object stays within 10,000 parts.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task<IStoreObjectWriter> BeginWriteAsync(string key, long expectedBytes, CancellationToken cancellationToken);

    /// <summary>Writes a small object (a manifest) in one step; fails rather than overwrite an existing key.</summary>
    Task PutSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a small object in one step, replacing it when it exists: only for BackupOps' own records that are
    /// updated in place (a run's heartbeat, a backup's verification record), never for backup data or manifests.
    /// </summary>
    Task ReplaceSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Reads a small object whole, or null when it does not exist.</summary>
    Task<byte[]?> TryGetSmallAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens an object for streaming reads.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>A local path for the key when the store is a folder (restores read it in place), else null.</summary>
    string? TryGetLocalPath(string key);

    /// <summary>Lists committed objects under a key prefix.</summary>
    IAsyncEnumerable<StoreObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Lists writes that were started and never committed (partial files, open multipart uploads).</summary>
    Task<IReadOnlyList<IncompleteWrite>> ListIncompleteWritesAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Removes an incomplete write (deletes the partial file or aborts the multipart upload).</summary>
    Task DiscardIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes an object; deleting a missing object is not an error. On a versioned bucket every version and delete
    /// marker of the key goes (a plain DELETE would only hide it behind a marker); a version still under Object Lock
    /// makes it fail with <c>S3ObjectLocked</c>.
    /// </summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>The Object Lock retention this store sets on data objects and manifests, or null.</summary>
    ObjectLockSettings? ObjectLock => null;

    /// <summary>
    /// Writes a backup manifest in one step, like <see cref="PutSmallAsync"/>, under the store's <see cref="ObjectLock"/>
    /// retention when it has one (probes, run and verification records never are: they must stay removable).
    /// </summary>
    Task PutManifestAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => PutSmallAsync(key, content, cancellationToken);

    /// <summary>
    /// Until when the store itself refuses to delete the current version of <paramref name="key"/> (S3 Object Lock
    /// retention), or null when it does not, or the store cannot tell.
    /// </summary>
    Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);
}
