using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Catalog;

/// <summary>A valid backup: its manifest is present and its data object exists with the recorded size.</summary>
/// <typeparam name="TManifest">The manifest type of the backup's kind.</typeparam>
/// <param name="Store">The store it lives in, as an operator writes it.</param>
/// <param name="Manifest">The manifest.</param>
/// <param name="ManifestKey">Key of the manifest.</param>
public sealed record CatalogEntry<TManifest>(string Store, TManifest Manifest, string ManifestKey)
    where TManifest : IBackupManifest
{
    /// <summary>The backup id.</summary>
    public string BackupId => Manifest.BackupId;

    /// <summary>The database or source name.</summary>
    public string Database => Manifest.Database;
}

/// <summary>Something in the store that is not a valid backup: data without manifest, manifest without data, a partial write.</summary>
/// <param name="Key">The key.</param>
/// <param name="Database">The database folder it sits in, when known.</param>
/// <param name="SizeBytes">Size, when known.</param>
/// <param name="LastModifiedUtc">When it was written or started.</param>
/// <param name="Reason">Why it is not a backup.</param>
/// <param name="Incomplete">The incomplete write behind it, when it is one (used to discard it).</param>
public sealed record BackupLeftover(string Key, string? Database, long SizeBytes, DateTimeOffset LastModifiedUtc, string Reason, Stores.IncompleteWrite? Incomplete);

/// <summary>What a store holds of one kind: valid backups newest first, and leftovers reported apart.</summary>
/// <typeparam name="TManifest">The manifest type of the kind.</typeparam>
/// <param name="Backups">Valid backups, newest first.</param>
/// <param name="Leftovers">Objects and writes that are not valid backups.</param>
public sealed record CatalogListing<TManifest>(IReadOnlyList<CatalogEntry<TManifest>> Backups, IReadOnlyList<BackupLeftover> Leftovers)
    where TManifest : IBackupManifest;
