using System.Runtime.CompilerServices;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>The Get- cmdlets' catalog streams: the store opened for the enumeration and closed with it.</summary>
internal static class CatalogStreams
{
    /// <summary>Opens <paramref name="spec"/> and streams its catalog of <paramref name="kind"/> (see BackupCatalog.StreamAsync).</summary>
    public static async IAsyncEnumerable<CatalogItem<TManifest>> ReadAsync<TManifest>(string spec, S3StoreOptions s3, BackupKind kind, BackupCatalog.Filter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        var store = StoreLocation.OpenExisting(spec, s3);
        await using (store.ConfigureAwait(false))
        {
            await foreach (var item in BackupCatalog.StreamAsync<TManifest>(store, kind, filter, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }
}
