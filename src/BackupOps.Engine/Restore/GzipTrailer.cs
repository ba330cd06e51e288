namespace BackupOps.Engine.Restore;

/// <summary>
/// The end-of-stream check .NET's GZipStream does not make: a truncated .gz decompresses without an error there, as
/// far as it goes. The gzip trailer (CRC-32 and length modulo 2^32 of the uncompressed data, the file's last 8
/// bytes) must match what was decompressed.
/// </summary>
internal sealed class GzipTrailer
{
    private static readonly uint[] Table = BuildTable();
    private uint _crc = 0xFFFFFFFFu;
    private long _length;

    /// <summary>Adds decompressed bytes.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _crc;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _crc = crc;
        _length += data.Length;
    }

    /// <summary>True when the file's trailer describes exactly the bytes appended.</summary>
    public bool Matches(string gzipPath)
    {
        using var file = new FileStream(gzipPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (file.Length < 18)
        {
            return false;
        }

        Span<byte> trailer = stackalloc byte[8];
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(trailer);
        var crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer[..4]);
        var size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        return crc == (_crc ^ 0xFFFFFFFFu) && size == (uint)_length;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
