using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Retention;

/// <summary>One thing retention removes (or would remove under -WhatIf).</summary>
/// <param name="Key">The backup id, or the leftover's key.</param>
/// <param name="Database">The database.</param>
/// <param name="StartedUtc">When the backup started (or the leftover was written).</param>
/// <param name="SizeBytes">Bytes freed.</param>
/// <param name="Reason">Why it goes.</param>
/// <param name="Removed">False under -WhatIf / --dry-run.</param>
public sealed record PruneAction(string Key, string? Database, DateTimeOffset StartedUtc, long SizeBytes, string Reason, bool Removed);

/// <summary>
/// Applies retention to a store. Per database the newest <see cref="RetentionPolicy.MinimumKeep"/> valid backups are
/// always kept; older backups past the retention go, manifest first (the backup stops being valid at once, so a
/// half-finished prune never leaves something that looks like a backup) and data after. Leftovers older than the
/// grace period are cleaned, including open multipart uploads.
/// </summary>
public static class PruneEngine
{
    /// <summary>Plans the removals; nothing is changed.</summary>
    public static IReadOnlyList<PruneAction> Plan<TManifest>(CatalogListing<TManifest> listing, RetentionPolicy policy, DateTimeOffset now)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(policy);
        var cutoff = now.AddDays(-policy.RetentionDays);
        var actions = new List<PruneAction>();
        foreach (var database in listing.Backups.GroupBy(b => b.Database, StringComparer.Ordinal))
        {
            foreach (var backup in database.OrderByDescending(b => b.Manifest.StartedUtc).Skip(policy.MinimumKeep).Where(b => b.Manifest.StartedUtc < cutoff))
            {
                actions.Add(new PruneAction(backup.BackupId, backup.Database, backup.Manifest.StartedUtc, backup.Manifest.SizeBytes, $"older than {policy.RetentionDays} days", false));
            }
        }

        foreach (var leftover in listing.Leftovers.Where(l => l.LastModifiedUtc < now - policy.LeftoverGrace))
        {
            actions.Add(new PruneAction(leftover.Key, leftover.Database, leftover.LastModifiedUtc, leftover.SizeBytes, $"leftover: {leftover.Reason}", false));
        }

        return actions;
    }

    /// <summary>Applies a plan made by <see cref="Plan"/> against the same listing.</summary>
    public static async Task<IReadOnlyList<PruneAction>> ApplyAsync<TManifest>(IBackupStore store, CatalogListing<TManifest> listing, IReadOnlyList<PruneAction> plan, CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(plan);
        var done = new List<PruneAction>();
        foreach (var action in plan)
        {
            var backup = listing.Backups.FirstOrDefault(b => b.BackupId == action.Key);
            if (backup is not null)
            {
                await store.DeleteAsync(backup.ManifestKey, cancellationToken).ConfigureAwait(false);
                await store.DeleteAsync(backup.Manifest.DataKey, cancellationToken).ConfigureAwait(false);
            }
            else if (listing.Leftovers.FirstOrDefault(l => l.Key == action.Key) is { } leftover)
            {
                if (leftover.Incomplete is not null)
                {
                    await store.DiscardIncompleteWriteAsync(leftover.Incomplete, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.DeleteAsync(leftover.Key, cancellationToken).ConfigureAwait(false);
                }
            }

            done.Add(action with { Removed = true });
        }

        return done;
    }

    /// <summary>Plans the removal of one backup by id, refusing when it would leave fewer than <paramref name="minimumKeep"/> valid backups.</summary>
    public static PruneAction PlanSingle<TManifest>(CatalogListing<TManifest> listing, string backupId, int minimumKeep)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(listing);
        var backup = listing.Backups.FirstOrDefault(b => b.BackupId == backupId)
            ?? throw new BackupOpsException(BackupOpsErrorKind.NotFound, "BackupNotFound", $"No valid backup '{backupId}' in the store. Run Get-PgBackup / backupops pg list to see the backups there.") { Target = backupId };
        var newest = listing.Backups.Where(b => b.Database == backup.Database).OrderByDescending(b => b.Manifest.StartedUtc).Take(Math.Max(1, minimumKeep)).ToList();
        if (newest.Contains(backup))
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "NewestBackupProtected", $"Backup {backupId} is among the newest {Math.Max(1, minimumKeep)} valid backups of '{backup.Database}' and is never deleted. Take a newer backup first.") { Target = backupId };
        }

        return new PruneAction(backup.BackupId, backup.Database, backup.Manifest.StartedUtc, backup.Manifest.SizeBytes, "removed by id", false);
    }
}
