using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Signing;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops key new</c>: a signing key pair for authenticated backups (the private key 0600).</summary>
internal static class KeyCommand
{
    public static Command Create(CommonOptions common)
    {
        var output = new Option<string>("--out") { Description = "Folder to write backupops-signing.key (private, 0600: stays on the backup host) and backupops-signing.pub (copy it to every host that restores).", Required = true };
        var create = new Command("new", "Make a new ECDSA P-256 signing key pair; prints the public key's fingerprint, never the private key.");
        create.Options.Add(output);
        create.Options.Add(common.Json);
        create.SetAction(async (result, cancellationToken) =>
        {
            var key = await SigningKeys.GenerateAsync(result.GetValue(output)!, cancellationToken);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new KeyJson(key.PrivateKeyPath, key.PublicKeyPath, key.Fingerprint));
            }
            else
            {
                Console.Out.WriteLine($"Signing key {key.Fingerprint}");
                Console.Out.WriteLine($"  private key {key.PrivateKeyPath} (0600; sign with --signing-key or {SigningKeys.SigningKeyVariable})");
                Console.Out.WriteLine($"  public key  {key.PublicKeyPath} (restore hosts: --trusted-key or {SigningKeys.TrustedKeysVariable})");
            }

            return ExitCodes.Success;
        });
        var command = new Command("key", "Signing keys for authenticated backups.");
        command.Subcommands.Add(create);
        return command;
    }
}
