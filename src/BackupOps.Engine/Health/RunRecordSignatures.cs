using System.Text.Json;
using BackupOps.Engine.Signing;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Health;

/// <summary>
/// Detached signatures of run records: <c>&lt;record key&gt;.sig</c>, the same DER ECDSA signature over the record's
/// stored bytes that <see cref="ManifestSignatures"/> writes for manifests, by the backup's own signing key. Status
/// given trusted keys counts only records whose signature verifies, so a store writer can neither fake a failure nor
/// hide one with a record of their own.
/// </summary>
public static class RunRecordSignatures
{
    /// <summary>The signature key of a run record.</summary>
    public static string KeyOf(string recordKey) => ManifestSignatures.KeyOf(recordKey);

    /// <summary>The record a signature key belongs to, or null when <paramref name="key"/> is not a run record's signature.</summary>
    public static string? RecordOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.EndsWith(".json" + ManifestSignatures.Suffix, StringComparison.Ordinal) ? key[..^ManifestSignatures.Suffix.Length] : null;
    }

    /// <summary>
    /// The record at <paramref name="key"/>: read whole; with <paramref name="trusted"/> keys only when its signature by
    /// one of them matches its bytes (<see cref="RecordRead.Ignored"/> otherwise). Null record: gone or unreadable.
    /// </summary>
    public static async Task<RecordRead> ReadAsync(IBackupStore store, string key, TrustedKeys? trusted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var bytes = await store.TryGetSmallAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return new RecordRead(null, false);
        }

        if (trusted is not null)
        {
            var signature = await store.TryGetSmallAsync(KeyOf(key), cancellationToken).ConfigureAwait(false);
            if (signature is null || trusted.Verify(bytes, signature, null) is null)
            {
                return new RecordRead(null, true);
            }
        }

        RunRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(bytes, RunRecordJson.Options.Info<RunRecord>());
        }
        catch (JsonException)
        {
            return new RecordRead(null, false); // a damaged record says nothing reliable; the backups themselves still count
        }

        // The signature covers the bytes, not the key: a genuine record copied under another name (an old failure
        // passed off as the newest, another run's success as this run's outcome) is not the record that key names.
        return trusted is not null && record is not null && !string.Equals(RunTracker.KeyOf(record), key, StringComparison.Ordinal)
            ? new RecordRead(null, true)
            : new RecordRead(record, false);
    }
}

/// <summary>A run record as read for status.</summary>
/// <param name="Record">The record, or null (gone, damaged or ignored).</param>
/// <param name="Ignored">True when trusted keys were given and the record has no valid signature by one of them.</param>
public sealed record RecordRead(RunRecord? Record, bool Ignored);
