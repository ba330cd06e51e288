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

    /// <summary>The data object as the store listed it (size, time, ETag): what a verification record is bound to.</summary>
    public Stores.StoreObject? DataObject { get; init; }
}

/// <summary>Something in the store that is not a valid backup: data without manifest, manifest without data, a partial write.</summary>
/// <param name="Key">The key.</param>
/// <param name="Database">The database folder it sits in, when known.</param>
/// <param name="SizeBytes">Size, when known.</param>
/// <param name="LastModifiedUtc">When it was written or started.</param>
/// <param name="Reason">Why it is not a backup.</param>
/// <param name="Incomplete">The incomplete write behind it, when it is one (used to discard it).</param>
public sealed record BackupLeftover(string Key, string? Database, long SizeBytes, DateTimeOffset LastModifiedUtc, string Reason, Stores.IncompleteWrite? Incomplete);

/// <summary>
/// Something that makes a source's catalog ambiguous: a manifest that is not in its own place (a copied folder or
/// prefix, a moved file), or a symbolic link in a folder store. Never counted as a backup, never deleted by
/// BackupOps; prune refuses every source it concerns until a person resolves it.
/// </summary>
/// <param name="Key">Where it lies.</param>
/// <param name="Sources">The sources it concerns: the folder it lies in, and the source and data its manifest names.</param>
/// <param name="DataKey">The data object its manifest names, when it is a manifest.</param>
/// <param name="Description">What it is and why it does not count.</param>
public sealed record CatalogAnomaly(string Key, IReadOnlyList<string> Sources, string? DataKey, string Description);

/// <summary>What a store holds of one kind: valid backups newest first, and leftovers reported apart.</summary>
/// <typeparam name="TManifest">The manifest type of the kind.</typeparam>
/// <param name="Backups">Valid backups, newest first.</param>
/// <param name="Leftovers">Objects and writes that are not valid backups.</param>
public sealed record CatalogListing<TManifest>(IReadOnlyList<CatalogEntry<TManifest>> Backups, IReadOnlyList<BackupLeftover> Leftovers)
    where TManifest : IBackupManifest
{
    /// <summary>Copies, misplaced manifests and links: reported, never counted, never deleted.</summary>
    public IReadOnlyList<CatalogAnomaly> Anomalies { get; init; } = [];

    /// <summary>Sources whose catalog is ambiguous (prune refuses them), with the first anomaly concerning each.</summary>
    public IReadOnlyDictionary<string, CatalogAnomaly> AmbiguousSources =>
        Anomalies.SelectMany(a => a.Sources.Select(s => (Source: s, Anomaly: a)))
            .GroupBy(p => p.Source, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Anomaly, StringComparer.Ordinal);
}
