using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Manifest;

/// <summary>The one judgement every restore makes: do the bytes read from the store match the manifest?</summary>
internal static class ManifestChecksum
{
    /// <summary>Throws <c>BackupChecksumMismatch</c> unless the SHA-256 and size equal the manifest's.</summary>
    public static void Verify(IBackupManifest manifest, string sha256, long size)
    {
        if (!string.Equals(sha256, manifest.Sha256, StringComparison.OrdinalIgnoreCase) || size != manifest.SizeBytes)
        {
            throw new BackupOpsException(
                BackupOpsErrorKind.IntegrityFailed,
                "BackupChecksumMismatch",
                $"Backup {manifest.BackupId} of {manifest.Database} is damaged: its data has SHA-256 {sha256} ({size} bytes) but the manifest recorded {manifest.Sha256} ({manifest.SizeBytes} bytes). Nothing was restored; restore an older backup.") { Target = manifest.BackupId };
        }
    }
}
