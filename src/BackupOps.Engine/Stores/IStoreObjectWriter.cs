namespace BackupOps.Engine.Stores;

/// <summary>An object being written. Dispose without commit aborts it and leaves nothing behind.</summary>
public interface IStoreObjectWriter : IAsyncDisposable
{
    /// <summary>The Object Lock retain-until date the committed object carries (confirmed by the store), or null when unlocked.</summary>
    DateTimeOffset? RetainUntilUtc => null;

    /// <summary>Appends bytes.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the object visible under its key, carrying its SHA-256 as metadata where the store has metadata.</summary>
    Task CommitAsync(string sha256Hex, CancellationToken cancellationToken);

    /// <summary>
    /// Discards everything written (partial file deleted, multipart upload aborted). Never throws: it runs on failure
    /// paths, where a second exception would hide the first. Returns what could not be removed (for the operator), or
    /// null when nothing was left behind.
    /// </summary>
    Task<string?> AbortAsync();
}
