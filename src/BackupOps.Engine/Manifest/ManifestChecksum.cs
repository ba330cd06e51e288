using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Manifest;

/// <summary>The one judgement every restore makes: do the bytes read from the store match the manifest?</summary>
internal static class ManifestChecksum
{
    /// <summary>The mismatch error's id.</summary>
    public const string MismatchErrorId = "BackupChecksumMismatch";

    /// <summary>Throws <c>BackupChecksumMismatch</c> unless the SHA-256 and size equal the manifest's.</summary>
    public static void Verify(IBackupManifest manifest, string sha256, long size)
    {
        if (Problem(manifest, sha256, size) is { } problem)
        {
            throw new BackupOpsException(
                BackupOpsErrorKind.IntegrityFailed,
                MismatchErrorId,
                $"Backup {manifest.BackupId} of {manifest.Database} is damaged: {problem}. Nothing was restored; restore an older backup.") { Target = manifest.BackupId, Data = { [ProblemKey] = problem } };
        }
    }

    /// <summary>What is wrong, or null when the bytes are the ones recorded.</summary>
    public static string? Problem(IBackupManifest manifest, string sha256, long size) =>
        string.Equals(sha256, manifest.Sha256, StringComparison.OrdinalIgnoreCase) && size == manifest.SizeBytes
            ? null
            : $"its data has SHA-256 {sha256} ({size} bytes) but the manifest recorded {manifest.Sha256} ({manifest.SizeBytes} bytes)";

    /// <summary>The mismatch as found (for the verification record), when <paramref name="exception"/> is one.</summary>
    public static string? ProblemOf(Exception exception) =>
        exception is BackupOpsException { ErrorId: MismatchErrorId } mismatch ? mismatch.Data[ProblemKey] as string : null;

    private const string ProblemKey = "BackupOps.ChecksumProblem";
}
