using System.Management.Automation;
using BackupOps.Engine.Signing;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Makes a new signing key pair for authenticated backups.</para>
/// <para type="description">Writes an ECDSA P-256 key pair as PEM into a folder: backupops-signing.key (the private key, PKCS#8, created with mode 0600; it stays on the backup host and is passed to -SigningKey) and backupops-signing.pub (the public key, SubjectPublicKeyInfo; copy it to every host that restores and pass it to -TrustedKey). Outputs the public key's fingerprint, never the private key. Existing key files are never overwritten.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "BackupSigningKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupSigningKey))]
public sealed class NewBackupSigningKeyCommand : BackupOpsCmdlet
{
    /// <summary>
    /// <para type="description">The folder to write backupops-signing.key and backupops-signing.pub into; created when missing.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var folder = ResolvePath(Path);
        if (!this.ShouldProcessOrExplain(System.IO.Path.Combine(folder, SigningKeys.PrivateKeyFileName), "Write a new backup signing key pair", "pass -Confirm:$false"))
        {
            return;
        }

        if (this.TryRun((_, token) => SigningKeys.GenerateAsync(folder, token), out var key))
        {
            WriteObject(new BackupSigningKey { Fingerprint = key.Fingerprint, PrivateKeyPath = key.PrivateKeyPath, PublicKeyPath = key.PublicKeyPath });
        }
    }
}
