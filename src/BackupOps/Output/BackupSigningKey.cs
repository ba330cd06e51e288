namespace BackupOps;

/// <summary>A signing key pair written by New-BackupSigningKey: where its halves are and the public key's fingerprint (never the key itself).</summary>
public sealed class BackupSigningKey
{
    /// <summary>The public key's fingerprint (<c>sha256:</c> and the hex SHA-256 of its SubjectPublicKeyInfo), as manifests and errors name it.</summary>
    public string Fingerprint { get; init; } = string.Empty;

    /// <summary>The private key file (PEM, mode 0600): stays on the backup host; pass it to -SigningKey.</summary>
    public string PrivateKeyPath { get; init; } = string.Empty;

    /// <summary>The public key file (PEM): copy it to every host that restores or verifies; pass it to -TrustedKey.</summary>
    public string PublicKeyPath { get; init; } = string.Empty;
}
