using BackupOps.Engine.Manifest;

namespace BackupOps.Engine.Catalog;

/// <summary>
/// One thing a streamed catalog listing (<see cref="BackupCatalog.StreamAsync{TManifest}"/>) produced, in the order it
/// was found: exactly one member is set. Backups come newest first as their manifests are read; a leftover or anomaly
/// found by reading a manifest comes where it was found, and what only the whole key listing can tell (data without
/// a manifest, links, unfinished writes) comes after the last backup.
/// </summary>
/// <typeparam name="TManifest">The manifest type of the kind.</typeparam>
/// <param name="Backup">A valid backup.</param>
/// <param name="Leftover">Something that is not a valid backup.</param>
/// <param name="Anomaly">A copy, misplaced manifest or link: reported, never counted, never deleted.</param>
public sealed record CatalogItem<TManifest>(CatalogEntry<TManifest>? Backup, BackupLeftover? Leftover, CatalogAnomaly? Anomaly)
    where TManifest : IBackupManifest;
