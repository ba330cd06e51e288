using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Signing;

/// <summary>
/// Detached manifest signatures: <c>&lt;manifest key&gt;.sig</c> beside the manifest holds the DER ECDSA signature of the
/// manifest's bytes exactly as stored (the manifest records the data object's SHA-256, so the signature covers the
/// data too). It is written before the manifest, so the manifest stays the commit point: a signature without its
/// manifest is a leftover of a failed backup, a manifest without its signature is unsigned.
/// </summary>
public static class ManifestSignatures
{
    /// <summary>Suffix of a signature object, appended to the manifest key.</summary>
    public const string Suffix = ".sig";

    /// <summary>The error id of a missing signature where one is required.</summary>
    public const string MissingErrorId = "BackupSignatureMissing";

    /// <summary>The error id of a signature by a key that is not trusted.</summary>
    public const string UntrustedErrorId = "BackupSignatureUntrusted";

    /// <summary>The error id of a signature that does not match the manifest's bytes.</summary>
    public const string InvalidErrorId = "BackupSignatureInvalid";

    /// <summary>The signature key of a manifest.</summary>
    public static string KeyOf(string manifestKey) => manifestKey + Suffix;

    /// <summary>
    /// Writes the manifest (signed first when <paramref name="signer"/> is given): signature, then manifest, both as
    /// manifests (under the store's Object Lock, when one is asked for). When the manifest cannot be written the
    /// signature is removed again; the caller removes the data.
    /// </summary>
    public static async Task PutManifestAsync(IBackupStore store, string manifestKey, byte[] manifest, ManifestSigner? signer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        if (signer is null)
        {
            await store.PutManifestAsync(manifestKey, manifest, cancellationToken).ConfigureAwait(false);
            return;
        }

        var signatureKey = KeyOf(manifestKey);
        await store.PutManifestAsync(signatureKey, signer.Sign(manifest), cancellationToken).ConfigureAwait(false);
        try
        {
            await store.PutManifestAsync(manifestKey, manifest, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await Failures.DeleteQuietlyAsync(store, signatureKey, "the manifest's signature", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// What is known about a backup's signature. With <paramref name="trusted"/> keys a valid signature by one of them is
    /// required: the manifest is read again, its stored bytes checked against the signature and compared with the
    /// manifest the caller will use, and anything else throws (<c>BackupSignatureMissing</c>, <c>BackupSignatureUntrusted</c>,
    /// <c>BackupSignatureInvalid</c>) before the caller touches any target. Without trusted keys the signature is only
    /// looked for, and the result says it was not checked.
    /// </summary>
    public static async Task<SignatureCheck> CheckAsync<TManifest>(IBackupStore store, CatalogEntry<TManifest> entry, TrustedKeys? trusted, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(entry);
        var signature = await store.TryGetSmallAsync(KeyOf(entry.ManifestKey), cancellationToken).ConfigureAwait(false);
        var manifest = entry.Manifest;
        var name = $"Backup {manifest.BackupId} of {manifest.Database}";
        if (trusted is null)
        {
            return signature is null
                ? SignatureCheck.None
                : new SignatureCheck(true, false, manifest.SigningKey, $"signed{(manifest.SigningKey is null ? string.Empty : $" by {manifest.SigningKey}")}, not checked (no trusted key given)");
        }

        if (signature is null)
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, MissingErrorId, $"{name} is not signed ({KeyOf(entry.ManifestKey)} is missing) and a signature is required by the trusted key(s) given. Refused before any target was touched; restore a signed backup, or leave out -TrustedKey / --trusted-key (and {SigningKeys.TrustedKeysVariable}) to accept unsigned ones.") { Target = manifest.BackupId };
        }

        var stored = await store.TryGetSmallAsync(entry.ManifestKey, cancellationToken).ConfigureAwait(false)
            ?? throw new BackupOpsException(BackupOpsErrorKind.NotFound, "BackupNotFound", $"{name} disappeared while it was being checked ({entry.ManifestKey} is gone).") { Target = manifest.BackupId };
        var claimed = manifest.SigningKey;
        if (claimed is not null && !trusted.Contains(claimed))
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, UntrustedErrorId, $"{name} is signed by {claimed}, which is not a trusted key ({string.Join(", ", trusted.Fingerprints)}). Refused before any target was touched; if that key is yours, add its public key with -TrustedKey / --trusted-key.") { Target = manifest.BackupId };
        }

        var by = trusted.Verify(stored, signature, claimed);
        if (by is null || !SameManifest(stored, entry))
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, InvalidErrorId, $"{name} has a signature that does not match its manifest's bytes: the manifest was changed after it was signed (a replaced backup), or the signature was made with another key than the one the manifest names. Refused before any target was touched; restore an older backup and find out who can write to the store.") { Target = manifest.BackupId };
        }

        return new SignatureCheck(true, true, by, $"signature verified (key {by})");
    }

    // The manifest the caller holds must be the one whose bytes were just verified (it was read earlier, by the catalog).
    private static bool SameManifest<TManifest>(byte[] stored, CatalogEntry<TManifest> entry)
        where TManifest : class, IBackupManifest
    {
        try
        {
            var verified = ManifestSerializer.Deserialize<TManifest>(stored, entry.ManifestKey);
            return ManifestSerializer.Serialize(verified).AsSpan().SequenceEqual(ManifestSerializer.Serialize(entry.Manifest));
        }
        catch (BackupOpsException)
        {
            return false;
        }
    }
}

/// <summary>What was found and proven about a backup's signature.</summary>
/// <param name="HasSignature">A signature object exists beside the manifest.</param>
/// <param name="Verified">It was checked against a trusted key and matched the manifest's bytes.</param>
/// <param name="KeyFingerprint">The key that signed it (verified when <paramref name="Verified"/>, else as the manifest claims).</param>
/// <param name="Description">One line for output: signed or not, checked or not, by which key.</param>
public sealed record SignatureCheck(bool HasSignature, bool Verified, string? KeyFingerprint, string Description)
{
    /// <summary>No signature beside the manifest.</summary>
    public static SignatureCheck None { get; } = new(false, false, null, "unsigned");
}
