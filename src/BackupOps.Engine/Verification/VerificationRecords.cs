using System.Text.Json;
using System.Text.Json.Serialization;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Verification;

/// <summary>
/// Reads and writes verification records. The outcome is part of the key, so a listing alone tells status and
/// restore --latest which backups were found damaged (no read per backup); the record is read only where its
/// binding matters (a prune deciding whether a proof is still good, status naming the damage).
/// </summary>
public static class VerificationRecords
{
    /// <summary>Key prefix of verification records.</summary>
    public const string Prefix = "verify/";

    private static readonly JsonSerializerOptions Json = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>A record found by listing: which backup, its outcome and when it was written.</summary>
    /// <param name="Key">The record's key.</param>
    /// <param name="Source">The source.</param>
    /// <param name="BackupId">The backup.</param>
    /// <param name="Outcome">passed or failed.</param>
    /// <param name="WrittenUtc">When the record was written.</param>
    public sealed record Listed(string Key, string Source, string BackupId, string Outcome, DateTimeOffset WrittenUtc);

    /// <summary>The record key of a backup's outcome.</summary>
    public static string KeyOf(BackupKind kind, string source, string backupId, string outcome)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return $"{Prefix}{BackupKeys.SourcePrefix(kind, source)}{backupId}.{outcome}.json";
    }

    /// <summary>Writes a record, replacing the backup's previous one (of either outcome). Failures are the caller's to report.</summary>
    public static async Task WriteAsync(IBackupStore store, BackupKind kind, VerificationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(record);
        await store.ReplaceSmallAsync(KeyOf(kind, record.Source, record.BackupId, record.Outcome), JsonSerializer.SerializeToUtf8Bytes(record, Json.Info<VerificationRecord>()), cancellationToken).ConfigureAwait(false);
        var other = record.Passed ? VerificationRecord.FailedOutcome : VerificationRecord.PassedOutcome;
        await store.DeleteAsync(KeyOf(kind, record.Source, record.BackupId, other), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every record of a kind (optionally one source), newest per backup.</summary>
    public static async Task<Dictionary<(string Source, string BackupId), Listed>> ListAsync(IBackupStore store, BackupKind kind, string? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(kind);
        var prefix = Prefix + (source is null ? kind.Prefix : BackupKeys.SourcePrefix(kind, source));
        var result = new Dictionary<(string, string), Listed>();
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
            var parts = name.Split('.');
            var id = BackupKeys.BackupIdOf(name);
            var folder = BackupCatalog.DatabaseOf(item.Key[Prefix.Length..]);
            if (id is null || folder is null || parts.Length != 3 || parts[1] is not (VerificationRecord.PassedOutcome or VerificationRecord.FailedOutcome))
            {
                continue;
            }

            var listed = new Listed(item.Key, folder, id, parts[1], item.LastModifiedUtc);
            if (!result.TryGetValue((folder, id), out var seen) || seen.WrittenUtc < listed.WrittenUtc)
            {
                result[(folder, id)] = listed;
            }
        }

        return result;
    }

    /// <summary>The backups of one source whose newest record says damaged, by backup id.</summary>
    public static async Task<Dictionary<string, Listed>> ListFailedAsync(IBackupStore store, BackupKind kind, string source, CancellationToken cancellationToken) =>
        (await ListAsync(store, kind, source, cancellationToken).ConfigureAwait(false)).Values
            .Where(l => l.Outcome == VerificationRecord.FailedOutcome)
            .ToDictionary(l => l.BackupId, StringComparer.Ordinal);

    /// <summary>Reads a listed record; null when it vanished or cannot be parsed (then it proves nothing).</summary>
    public static async Task<VerificationRecord?> ReadAsync(IBackupStore store, Listed listed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(listed);
        var bytes = await store.TryGetSmallAsync(listed.Key, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, Json.Info<VerificationRecord>());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when a failure record still describes this backup as it is now (same manifest, data untouched since).</summary>
    public static async Task<bool> StillAppliesAsync<TManifest>(IBackupStore store, Listed failed, CatalogEntry<TManifest> entry, CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        var record = await ReadAsync(store, failed, cancellationToken).ConfigureAwait(false);
        return record is not null && Describes(record, entry);
    }

    /// <summary>True when the record was made for this manifest and this very data object (nothing rewritten since).</summary>
    public static bool Describes<TManifest>(VerificationRecord record, CatalogEntry<TManifest> entry)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(entry);
        var manifest = entry.Manifest;
        var data = entry.DataObject;
        return string.Equals(record.ExpectedSha256, manifest.Sha256, StringComparison.OrdinalIgnoreCase)
            && record.ExpectedSizeBytes == manifest.SizeBytes
            && record.DataKey == manifest.DataKey
            && data is not null
            && record.DataListedSizeBytes == data.Size
            && record.DataLastModifiedUtc == data.LastModifiedUtc
            && string.Equals(record.DataETag, data.ETag, StringComparison.Ordinal);
    }

    /// <summary>Removes a backup's records (when the backup itself is removed).</summary>
    public static async Task DeleteAsync(IBackupStore store, BackupKind kind, string source, string backupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.DeleteAsync(KeyOf(kind, source, backupId, VerificationRecord.PassedOutcome), cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(KeyOf(kind, source, backupId, VerificationRecord.FailedOutcome), cancellationToken).ConfigureAwait(false);
    }
}
