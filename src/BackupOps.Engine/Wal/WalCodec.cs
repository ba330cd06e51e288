namespace BackupOps.Engine.Wal;

/// <summary>How a WAL file's bytes are stored.</summary>
public enum WalCodec
{
    /// <summary>As PostgreSQL wrote them.</summary>
    None = 0,
    /// <summary>zstd (ZstdSharp, the reference format: <c>zstd -d</c> reads the body).</summary>
    Zstd = 1,
}
