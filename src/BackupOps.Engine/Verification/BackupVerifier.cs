using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Verification;

/// <summary>
/// Proves a stored backup whole: reads its data object from the store, hashes it (SHA-256 and size against the
/// manifest) and checks the format's header, then leaves a verification record. One rule for every kind (database
/// dumps, Redis snapshots, and later base backups): only bytes read back count, size is never proof.
/// </summary>
public static class BackupVerifier
{
    /// <summary>Reads and judges one backup; writes its record unless <paramref name="record"/> is false (dry runs).</summary>
    public static async Task<VerificationRecord> VerifyAsync<TManifest>(
        IBackupStore store,
        BackupKind kind,
        CatalogEntry<TManifest> entry,
        string method,
        bool record,
        Action<string>? onWarning,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
        where TManifest : IBackupManifest =>
        await VerifyCoreAsync(store, kind, entry, method, record, null, onWarning, progress, cancellationToken).ConfigureAwait(false);

    private static async Task<VerificationRecord> VerifyCoreAsync<TManifest>(
        IBackupStore store,
        BackupKind kind,
        CatalogEntry<TManifest> entry,
        string method,
        bool record,
        string? signature,
        Action<string>? onWarning,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(entry);
        var manifest = entry.Manifest;
        var header = new byte[64];
        var headerLength = 0;
        string? sha256 = null;
        long? size = null;
        string? problem;
        try
        {
            await using var data = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
            var activity = $"Verifying {manifest.Database} {manifest.BackupId}";
            (sha256, size) = await HashingCopier.CopyAsync(
                data,
                (chunk, _) =>
                {
                    var take = Math.Min(chunk.Length, header.Length - headerLength);
                    chunk.Span[..take].CopyTo(header.AsSpan(headerLength));
                    headerLength += take;
                    return ValueTask.CompletedTask;
                },
                progress is null ? null : (done, rate) => progress.Report(new OperationProgress(activity, $"reading from {store.Display}", done, manifest.SizeBytes, rate)),
                cancellationToken).ConfigureAwait(false);
            problem = Judge(manifest, sha256, size.Value, header.AsSpan(0, headerLength));
        }
        catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.NotFound)
        {
            problem = $"its data object {manifest.DataKey} is gone";
        }

        var result = Make(kind, entry, method, problem, sha256, size) with { Signature = signature };
        if (record)
        {
            await WriteQuietlyAsync(store, kind, result, onWarning).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// Verifies backups of a kind and records each result: one by id, every backup (<paramref name="all"/>), or by
    /// default the newest of each source (what restore --latest would use).
    /// </summary>
    public static Task<IReadOnlyList<VerificationRecord>> VerifyCatalogAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, string? backupId, bool all, Action<string>? onWarning, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest =>
        VerifyCatalogAsync<TManifest>(store, kind, source, backupId, all, null, onWarning, progress, cancellationToken);

    /// <summary>
    /// As <see cref="VerifyCatalogAsync{TManifest}(IBackupStore, BackupKind, string?, string?, bool, Action{string}?, IProgress{OperationProgress}?, CancellationToken)"/>,
    /// and with <paramref name="trusted"/> keys each backup must also carry a valid signature by one of them: a missing,
    /// untrusted or broken signature fails the backup (its data is then not read, and no record is written: a policy
    /// failure is not proof of damage). Without trusted keys each record says whether the backup is signed, unchecked.
    /// </summary>
    public static async Task<IReadOnlyList<VerificationRecord>> VerifyCatalogAsync<TManifest>(IBackupStore store, BackupKind kind, string? source, string? backupId, bool all, Signing.TrustedKeys? trusted, Action<string>? onWarning, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        IReadOnlyList<CatalogEntry<TManifest>> chosen;
        if (backupId is not null)
        {
            chosen = [await BackupCatalog.FindAsync<TManifest>(store, kind, backupId, source, cancellationToken).ConfigureAwait(false)];
        }
        else
        {
            var listing = await BackupCatalog.ListAsync<TManifest>(store, kind, new BackupCatalog.Filter(source, LatestOnly: !all), cancellationToken).ConfigureAwait(false);
            chosen = listing.Backups;
        }

        var results = new List<VerificationRecord>();
        foreach (var entry in chosen)
        {
            Signing.SignatureCheck signature;
            try
            {
                signature = await Signing.ManifestSignatures.CheckAsync(store, entry, trusted, cancellationToken).ConfigureAwait(false);
            }
            catch (BackupOpsException ex) when (ex.ErrorId is Signing.ManifestSignatures.MissingErrorId or Signing.ManifestSignatures.UntrustedErrorId or Signing.ManifestSignatures.InvalidErrorId)
            {
                results.Add(Make(kind, entry, "verify", "signature", null, null) with { Detail = ex.Message, Signature = ex.ErrorId });
                continue;
            }

            results.Add(await VerifyCoreAsync(store, kind, entry, "verify", record: true, signature.Description, onWarning, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>Records what a restore found (it hashed every byte it restored, so its verdict is a proof too).</summary>
    public static Task RecordAsync<TManifest>(IBackupStore store, BackupKind kind, CatalogEntry<TManifest> entry, string method, string? problem, Action<string>? onWarning)
        where TManifest : IBackupManifest =>
        WriteQuietlyAsync(store, kind, Make(kind, entry, method, problem, problem is null ? entry.Manifest.Sha256 : null, problem is null ? entry.Manifest.SizeBytes : null), onWarning);

    /// <summary>True when <paramref name="record"/> still proves <paramref name="entry"/> whole at <paramref name="now"/>.</summary>
    public static bool Proves<TManifest>(VerificationRecord? record, CatalogEntry<TManifest> entry, DateTimeOffset now, TimeSpan maxAge)
        where TManifest : IBackupManifest =>
        record is { Passed: true } && record.VerifiedUtc >= now - maxAge && VerificationRecords.Describes(record, entry);

    /// <summary>What is wrong with the bytes read, or null when they are the backup the manifest describes.</summary>
    internal static string? Judge(IBackupManifest manifest, string sha256, long size, ReadOnlySpan<byte> header)
    {
        if (ManifestChecksum.Problem(manifest, sha256, size) is { } mismatch)
        {
            return mismatch;
        }

        return DataSignature.For(manifest) is { } signature && !header.StartsWith(signature.Header)
            ? $"its data matches the manifest's SHA-256 but is not {signature.Name} (wrong header): the data and the manifest were both replaced"
            : null;
    }

    private static VerificationRecord Make<TManifest>(BackupKind kind, CatalogEntry<TManifest> entry, string method, string? problem, string? sha256, long? size)
        where TManifest : IBackupManifest => new()
        {
            Kind = kind.Name,
            Source = entry.Database,
            BackupId = entry.BackupId,
            DataKey = entry.Manifest.DataKey,
            ExpectedSha256 = entry.Manifest.Sha256,
            ExpectedSizeBytes = entry.Manifest.SizeBytes,
            ActualSha256 = sha256,
            ActualSizeBytes = size,
            VerifiedUtc = DateTimeOffset.UtcNow,
            Method = method,
            Outcome = problem is null ? VerificationRecord.PassedOutcome : VerificationRecord.FailedOutcome,
            Detail = problem is null ? null : $"Backup {entry.BackupId} of {entry.Database} is damaged: {problem}.",
            DataLastModifiedUtc = entry.DataObject?.LastModifiedUtc,
            DataListedSizeBytes = entry.DataObject?.Size,
            DataETag = entry.DataObject?.ETag,
        };

    // A record that cannot be written never changes the verdict; the operator hears about it.
    private static async Task WriteQuietlyAsync(IBackupStore store, BackupKind kind, VerificationRecord record, Action<string>? onWarning)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await VerificationRecords.WriteAsync(store, kind, record, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BackupOpsException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            onWarning?.Invoke($"the verification record of {record.BackupId} could not be written ({(ex as BackupOpsException)?.ErrorId ?? ex.GetType().Name}); the next prune will read the backup again");
        }
    }
}
