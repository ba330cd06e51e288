using System.Security.Cryptography;

namespace BackupOps.Engine.Signing;

/// <summary>Signs manifest bytes with the backup host's private key. The key itself is never exposed or printed.</summary>
public sealed class ManifestSigner : IDisposable
{
    private readonly ECDsa _key;

    internal ManifestSigner(ECDsa key, string fingerprint)
    {
        _key = key;
        Fingerprint = fingerprint;
    }

    /// <summary>The fingerprint of the public half, recorded in every manifest signed.</summary>
    public string Fingerprint { get; }

    /// <summary>A DER-encoded ECDSA signature over SHA-256 of <paramref name="content"/>, the form <c>openssl dgst -verify</c> reads.</summary>
    public byte[] Sign(ReadOnlySpan<byte> content) => _key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"signing key {Fingerprint}";
}

/// <summary>The public keys a restore or verification accepts signatures from (several, for rotation).</summary>
public sealed class TrustedKeys
{
    private readonly IReadOnlyList<(string Fingerprint, ECDsa Key)> _keys;

    internal TrustedKeys(IReadOnlyList<(string, ECDsa)> keys) => _keys = keys;

    /// <summary>The fingerprints of the trusted keys.</summary>
    public IReadOnlyList<string> Fingerprints => [.. _keys.Select(k => k.Fingerprint)];

    /// <summary>True when a key of that fingerprint is trusted.</summary>
    public bool Contains(string? fingerprint) => _keys.Any(k => string.Equals(k.Fingerprint, fingerprint, StringComparison.Ordinal));

    /// <summary>The fingerprint of the trusted key whose signature over <paramref name="content"/> this is, or null.</summary>
    public string? Verify(ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature, string? claimedFingerprint)
    {
        foreach (var (fingerprint, key) in _keys)
        {
            if ((claimedFingerprint is null || fingerprint == claimedFingerprint)
                && key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                return fingerprint;
            }
        }

        return null;
    }
}
