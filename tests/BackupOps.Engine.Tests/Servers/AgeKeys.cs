namespace BackupOps.Engine.Tests.Servers;

/// <summary>An age key pair made with the real age-keygen.</summary>
public sealed class AgeKeys
{
    private static readonly Lazy<AgeKeys> SharedInstance = new(Create);

    private AgeKeys(string identityFile, string recipient)
    {
        IdentityFile = identityFile;
        Recipient = recipient;
    }

    public static AgeKeys Shared => SharedInstance.Value;

    public string IdentityFile { get; }

    public string Recipient { get; }

    public string SecretKey => File.ReadAllLines(IdentityFile).Single(l => l.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal));

    private static AgeKeys Create()
    {
        if (!File.Exists("/usr/bin/age-keygen"))
        {
            throw new InvalidOperationException("age is not installed. Install it (Debian: apt-get install age); the README's test command does.");
        }

        var directory = Directory.CreateTempSubdirectory("backupops-age-");
        Shell.WhenTestProcessExits($"rm -rf '{directory.FullName}'");
        var identity = Path.Combine(directory.FullName, "identity.txt");
        Shell.Run("age-keygen", ["-o", identity]);
        var recipient = Shell.Run("age-keygen", ["-y", identity]).Trim();
        return new AgeKeys(identity, recipient);
    }
}
