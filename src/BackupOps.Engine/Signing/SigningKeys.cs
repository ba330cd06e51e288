using System.Security.Cryptography;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Security;

namespace BackupOps.Engine.Signing;

/// <summary>
/// Loads and makes the keys backups are signed with: ECDSA P-256 with SHA-256 from the .NET base library (OpenSSL on
/// Linux), keys as standard PEM (PKCS#8 private key, SubjectPublicKeyInfo public key), so stock <c>openssl</c> can check
/// a signature by hand. A key is known by its fingerprint, <c>sha256:</c> and the hex SHA-256 of its SubjectPublicKeyInfo
/// (<c>openssl pkey -pubin -in key.pub -outform DER | sha256sum</c>). Key material never goes into a message.
/// </summary>
public static class SigningKeys
{
    /// <summary>The variable naming the private key file of the signing side.</summary>
    public const string SigningKeyVariable = "BACKUPOPS_SIGNING_KEY";

    /// <summary>The variable naming the trusted public key files of the verifying side, separated by ':'.</summary>
    public const string TrustedKeysVariable = "BACKUPOPS_TRUSTED_KEYS";

    /// <summary>The private key file <see cref="GenerateAsync"/> writes.</summary>
    public const string PrivateKeyFileName = "backupops-signing.key";

    /// <summary>The public key file <see cref="GenerateAsync"/> writes.</summary>
    public const string PublicKeyFileName = "backupops-signing.pub";

    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const int MaximumKeyFileBytes = 64 * 1024;

    /// <summary>The fingerprint of a public key: <c>sha256:</c> plus the hex SHA-256 of its SubjectPublicKeyInfo DER.</summary>
    public static string Fingerprint(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "sha256:" + Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo())).ToLowerInvariant();
    }

    /// <summary>
    /// The signing key from <paramref name="path"/> (null: BACKUPOPS_SIGNING_KEY; neither: null, backups unsigned).
    /// Refuses a file others can read (it must be 0600), a public key, and a key that is not ECDSA P-256.
    /// </summary>
    public static ManifestSigner? LoadSigner(string? path)
    {
        path ??= Environment.GetEnvironmentVariable(SigningKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw BackupOpsException.InvalidInput("SigningKeyMissing", $"The signing key file '{BoundedInput.Shown(path)}' does not exist. Give the private key written by New-BackupSigningKey / 'backupops key new' with -SigningKey / --signing-key (or {SigningKeyVariable}).");
        }

        var text = Read(path, "signing key file", "SigningKeyInvalid");
        if (text.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal) && !text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("SigningKeyIsPublic", $"'{BoundedInput.Shown(path)}' holds a public key; signing needs the private key file (backupops-signing.key). Public keys belong to -TrustedKey / --trusted-key on the restore side.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            {
                throw BackupOpsException.InvalidInput("SigningKeyNotPrivate", $"The signing key file '{BoundedInput.Shown(path)}' has mode {ModeText(mode)}: other users can read or change it. Run chmod 600 '{BoundedInput.Shown(path)}' (and consider the key exposed: make a new one if others may have read it).");
            }
        }

        var key = Import(text, path, "signing key file", "SigningKeyInvalid");
        return new ManifestSigner(key, Fingerprint(key));
    }

    /// <summary>
    /// The trusted public keys from <paramref name="paths"/> (null: BACKUPOPS_TRUSTED_KEYS; neither: null, signatures
    /// reported but not required). Several keys are allowed, for rotation. A private key given here is refused.
    /// </summary>
    public static TrustedKeys? LoadTrusted(IReadOnlyList<string>? paths)
    {
        paths ??= Environment.GetEnvironmentVariable(TrustedKeysVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        if (paths is null || paths.Count == 0)
        {
            return null;
        }

        var keys = new List<(string, ECDsa)>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw BackupOpsException.InvalidInput("TrustedKeyMissing", $"The trusted key file '{BoundedInput.Shown(path)}' does not exist. Give the public key (backupops-signing.pub) with -TrustedKey / --trusted-key (or {TrustedKeysVariable}).");
            }

            var text = Read(path, "trusted key file", "TrustedKeyInvalid");
            if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                throw BackupOpsException.InvalidInput("TrustedKeyIsPrivate", $"'{BoundedInput.Shown(path)}' holds a private key where a public key belongs. Give the .pub file; keep the private key on the backup host only (and move this copy away: whoever holds it can sign backups).");
            }

            var key = Import(text, path, "trusted key file", "TrustedKeyInvalid");
            keys.Add((Fingerprint(key), key));
        }

        return new TrustedKeys(keys);
    }

    /// <summary>
    /// Makes a new key pair in <paramref name="directory"/>: the private key 0600 (created so, never readable by
    /// others in between), the public key beside it. Refuses to overwrite existing key files.
    /// </summary>
    public static async Task<GeneratedKey> GenerateAsync(string directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var privatePath = Path.GetFullPath(Path.Combine(directory, PrivateKeyFileName));
        var publicPath = Path.GetFullPath(Path.Combine(directory, PublicKeyFileName));
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path))
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "SigningKeyExists", $"'{BoundedInput.Shown(path)}' already exists; a new key never replaces one (backups signed by it would stop verifying). Choose another folder with -Path / --out, or move the old key away first.") { Target = path };
            }
        }

        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privatePem = key.ExportPkcs8PrivateKeyPem();
        var publicPem = key.ExportSubjectPublicKeyInfoPem();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(privatePath, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(privatePem.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        var publicOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            publicOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        await using (var file = new FileStream(publicPath, publicOptions))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(publicPem.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        return new GeneratedKey(privatePath, publicPath, Fingerprint(key));
    }

    private static string Read(string path, string what, string errorId) =>
        BoundedInput.ReadDefinition(path, what, errorId, MaximumKeyFileBytes);

    private static ECDsa Import(string pem, string path, string what, string errorId)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.ExportParameters(false).Curve.Oid?.Value != P256Oid)
            {
                throw new CryptographicException();
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();

            // The cause is not quoted: it could echo part of the file, and a key file's content is a secret.
            throw BackupOpsException.InvalidInput(errorId, $"The {what} '{BoundedInput.Shown(path)}' is not an ECDSA P-256 key in PEM form. Give a key written by New-BackupSigningKey / 'backupops key new' (or openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256).");
        }
    }

    private static string ModeText(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}

/// <summary>A key pair just written.</summary>
/// <param name="PrivateKeyPath">The private key file (0600): stays on the backup host.</param>
/// <param name="PublicKeyPath">The public key file: goes wherever restores and verifications run.</param>
/// <param name="Fingerprint">The public key's fingerprint, as manifests and errors name it.</param>
public sealed record GeneratedKey(string PrivateKeyPath, string PublicKeyPath, string Fingerprint);
