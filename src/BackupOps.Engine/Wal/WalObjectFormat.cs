using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BackupOps.Engine.Errors;
using ZstdSharp;

namespace BackupOps.Engine.Wal;

/// <summary>
/// A stored WAL object: the body (the file, compressed, then optionally age-encrypted) followed by a 96-byte
/// trailer that records the codec, the original length and the SHA-256 of both the original file and the body.
/// The object proves itself on every store, folders included (which have no metadata), and a fetch verifies the
/// bytes PostgreSQL will replay, not only the bytes that were stored.
/// </summary>
public static class WalObjectFormat
{
    /// <summary>Trailer length in bytes.</summary>
    public const int TrailerLength = 96;

    private static readonly byte[] StartMagic = Encoding.ASCII.GetBytes("BOWAL001");
    private static readonly byte[] EndMagic = Encoding.ASCII.GetBytes("BOWALEND");

    /// <summary>zstd level for WAL: 1, the fastest, as WAL push cost is paid for every segment.</summary>
    public const int DefaultZstdLevel = 1;

    /// <summary>The trailer's content.</summary>
    /// <param name="Codec">Codec of the body.</param>
    /// <param name="Encrypted">True when the body is age-encrypted.</param>
    /// <param name="OriginalLength">Length of the WAL file.</param>
    /// <param name="OriginalSha256">SHA-256 (hex) of the WAL file.</param>
    /// <param name="BodySha256">SHA-256 (hex) of the stored body.</param>
    public sealed record Trailer(WalCodec Codec, bool Encrypted, long OriginalLength, string OriginalSha256, string BodySha256);

    /// <summary>Compresses a WAL file (encryption is applied by the caller between compression and <see cref="Seal"/>).</summary>
    public static byte[] Compress(ReadOnlySpan<byte> original, WalCodec codec, int level = DefaultZstdLevel)
    {
        if (codec == WalCodec.None)
        {
            return original.ToArray();
        }

        using var compressor = new Compressor(level);
        compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return compressor.Wrap(original).ToArray();
    }

    /// <summary>Appends the trailer to a body.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> body, WalCodec codec, bool encrypted, long originalLength, string originalSha256)
    {
        var result = new byte[body.Length + TrailerLength];
        body.CopyTo(result);
        var trailer = result.AsSpan(body.Length);
        StartMagic.CopyTo(trailer);
        trailer[8] = (byte)codec;
        trailer[9] = encrypted ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(trailer[16..], originalLength);
        Convert.FromHexString(originalSha256).CopyTo(trailer[24..]);
        SHA256.HashData(body).CopyTo(trailer[56..]);
        EndMagic.CopyTo(trailer[88..]);
        return result;
    }

    /// <summary>Reads the trailer of a whole object and checks the body against it; throws <c>WalObjectDamaged</c> otherwise.</summary>
    public static Trailer Open(ReadOnlySpan<byte> stored, string what, out ReadOnlySpan<byte> body)
    {
        if (stored.Length < TrailerLength)
        {
            throw Damaged(what, $"it is {stored.Length} bytes, shorter than its trailer");
        }

        var trailer = stored[^TrailerLength..];
        if (!trailer[..8].SequenceEqual(StartMagic) || !trailer[88..].SequenceEqual(EndMagic) || trailer[8] > 1 || trailer[9] > 1)
        {
            throw Damaged(what, "its trailer is missing or damaged");
        }

        body = stored[..^TrailerLength];
        var bodySha = Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant();
        var recorded = Convert.ToHexString(trailer[56..88]).ToLowerInvariant();
        if (bodySha != recorded)
        {
            throw Damaged(what, $"its bytes have SHA-256 {bodySha} but {recorded} was recorded when it was archived");
        }

        return new Trailer((WalCodec)trailer[8], trailer[9] == 1, BinaryPrimitives.ReadInt64LittleEndian(trailer[16..]), Convert.ToHexString(trailer[24..56]).ToLowerInvariant(), recorded);
    }

    /// <summary>Decompresses a (decrypted) body and checks it against the trailer's original length and SHA-256.</summary>
    public static byte[] Restore(ReadOnlySpan<byte> plainBody, Trailer trailer, string what)
    {
        ArgumentNullException.ThrowIfNull(trailer);
        byte[] original;
        try
        {
            if (trailer.Codec == WalCodec.None)
            {
                original = plainBody.ToArray();
            }
            else
            {
                using var decompressor = new Decompressor();
                original = decompressor.Unwrap(plainBody, checked((int)trailer.OriginalLength)).ToArray();
            }
        }
        catch (Exception ex) when (ex is ZstdException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw Damaged(what, $"it does not decompress ({ex.Message})");
        }

        var sha = Convert.ToHexString(SHA256.HashData(original)).ToLowerInvariant();
        return original.LongLength == trailer.OriginalLength && sha == trailer.OriginalSha256
            ? original
            : throw Damaged(what, $"it restores to {original.LongLength} bytes with SHA-256 {sha}, but the archived file had {trailer.OriginalLength} bytes with SHA-256 {trailer.OriginalSha256}");
    }

    /// <summary>The error every damaged WAL object raises, naming the object.</summary>
    public static BackupOpsException Damaged(string what, string why) =>
        new(BackupOpsErrorKind.IntegrityFailed, "WalObjectDamaged", $"The archived WAL {what} is damaged: {why}. Run 'backupops pg wal verify' to see the whole archive; a restore cannot replay past this file.") { Target = what };
}
