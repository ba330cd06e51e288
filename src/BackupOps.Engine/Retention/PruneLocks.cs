using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Retention;

/// <summary>Something retention would remove that the store still locks.</summary>
/// <param name="Key">The backup id, or the leftover's key.</param>
/// <param name="Database">The source.</param>
/// <param name="StartedUtc">When the backup started (or the leftover was written).</param>
/// <param name="RetainUntilUtc">Until when the store refuses to delete it.</param>
/// <param name="Reason">What operators read: <c>kept: locked until …</c>.</param>
public sealed record PruneKept(string Key, string? Database, DateTimeOffset StartedUtc, DateTimeOffset RetainUntilUtc, string Reason);

/// <summary>
/// Whether a planned removal is still under Object Lock. The objects' own retention (read from the store) decides when the
/// store reports one, since an operator may have extended it, or shortened a governance lock with bypass; the manifest's
/// recorded date decides when the store cannot tell (an R2 bucket lock rule, a key that may not read retention). Measured
/// against the real clock, as the store measures it.
/// </summary>
internal static class PruneLocks
{
    public static async Task<PruneKept?> LockedAsync<TManifest>(IBackupStore store, CatalogListing<TManifest> listing, PruneAction action, CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        var backup = listing.Backups.FirstOrDefault(b => b.BackupId == action.Key && b.Database == action.Database);
        DateTimeOffset? until;
        string? mode = null;
        if (backup is not null)
        {
            var onManifest = await store.GetRetainUntilAsync(backup.ManifestKey, cancellationToken).ConfigureAwait(false);
            var onData = await store.GetRetainUntilAsync(backup.Manifest.DataKey, cancellationToken).ConfigureAwait(false);
            until = Later(onManifest, onData) ?? backup.Manifest.Immutability?.RetainUntilUtc;
            mode = backup.Manifest.Immutability?.Mode;
        }
        else if (listing.Leftovers.FirstOrDefault(l => l.Key == action.Key) is { Incomplete: null } leftover)
        {
            until = await store.GetRetainUntilAsync(leftover.Key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            return null;
        }

        return until is { } date && date > DateTimeOffset.UtcNow
            ? new PruneKept(action.Key, action.Database, action.StartedUtc, date, $"kept: locked until {S3ObjectLocks.Format(date)}{(mode is null ? string.Empty : $" ({mode})")}")
            : null;
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
