using BackupOps.Engine.Backup;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Tests;

/// <summary>
/// A real store (a folder or the RGW) with its requests counted: manifest reads started, reads still in flight and
/// key listings. Thread-safe, because the catalog reads manifests several at a time.
/// </summary>
public sealed class CountingStore(IBackupStore inner) : IBackupStore
{
    private int _manifestReads;
    private int _inFlight;
    private int _listings;

    /// <summary>Manifest reads started (settable, to count from a point).</summary>
    public int ManifestReads
    {
        get => Volatile.Read(ref _manifestReads);
        set => Volatile.Write(ref _manifestReads, value);
    }

    /// <summary>Manifest reads started and not yet finished.</summary>
    public int ManifestReadsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Key listings started.</summary>
    public int Listings => Volatile.Read(ref _listings);

    /// <summary>Called when a manifest read starts, with the number started so far (a test can act mid-listing).</summary>
    public Action<int>? OnManifestRead { get; set; }

    public string Display => inner.Display;

    public Task<IStoreObjectWriter> BeginWriteAsync(string key, long expectedBytes, CancellationToken cancellationToken) => inner.BeginWriteAsync(key, expectedBytes, cancellationToken);

    public Task PutSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutSmallAsync(key, content, cancellationToken);

    public Task ReplaceSmallAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.ReplaceSmallAsync(key, content, cancellationToken);

    public async Task<byte[]?> TryGetSmallAsync(string key, CancellationToken cancellationToken)
    {
        if (!key.EndsWith(BackupKeys.ManifestSuffix, StringComparison.Ordinal))
        {
            return await inner.TryGetSmallAsync(key, cancellationToken);
        }

        // Counted before the callback: "x?.Invoke(f())" would skip f() when no callback is set.
        var started = Interlocked.Increment(ref _manifestReads);
        OnManifestRead?.Invoke(started);
        Interlocked.Increment(ref _inFlight);
        try
        {
            return await inner.TryGetSmallAsync(key, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public string? TryGetLocalPath(string key) => inner.TryGetLocalPath(key);

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

    public IAsyncEnumerable<StoreObject> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listings);
        return inner.ListAsync(prefix, cancellationToken);
    }

    public Task<IReadOnlyList<IncompleteWrite>> ListIncompleteWritesAsync(string prefix, CancellationToken cancellationToken) => inner.ListIncompleteWritesAsync(prefix, cancellationToken);

    public Task DiscardIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken) => inner.DiscardIncompleteWriteAsync(write, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
