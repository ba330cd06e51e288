using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// The check every backup verb runs before it starts its source (pg_dump, BGSAVE, pg_basebackup) when a lock is asked
/// for: the store must be able to lock, or the run stops here with the fix, not after a 1 GB upload.
/// </summary>
public static class ObjectLockPreflight
{
    /// <summary>Null when no lock is asked for; else what was found. Throws the one-line error when the store cannot lock.</summary>
    public static async Task<string?> CheckAsync(IBackupStore store, S3StoreOptions? s3, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (s3?.ObjectLock is not { } settings)
        {
            return null;
        }

        if (store is not S3BackupStore bucket)
        {
            throw BackupOpsException.InvalidInput("ObjectLockNeedsS3", $"Object Lock ({settings.ModeName.ToLowerInvariant()}) needs an S3 store, but {store.Display} is a folder; nothing was backed up. Back up to s3://bucket/prefix on a bucket with Object Lock, or drop -ObjectLockMode / --object-lock (and {ObjectLockSettings.ModeVariable}).");
        }

        return await bucket.CheckObjectLockAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the manifest records of a data object's lock, or null when it has none.</summary>
    /// <param name="store">The store the data object went to.</param>
    /// <param name="dataRetainUntil">The committed data object's <see cref="IStoreObjectWriter.RetainUntilUtc"/>.</param>
    public static Manifest.ImmutabilityInfo? Record(IBackupStore store, DateTimeOffset? dataRetainUntil)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ObjectLock is { } settings && dataRetainUntil is { } until ? new Manifest.ImmutabilityInfo(settings.ModeName, until) : null;
    }
}
