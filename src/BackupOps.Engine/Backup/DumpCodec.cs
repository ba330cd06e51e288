namespace BackupOps.Engine.Backup;

/// <summary>Where a logical backup is compressed.</summary>
public enum DumpCodec
{
    /// <summary>
    /// pg_dump writes an uncompressed custom-format archive and BackupOps compresses it with zstd in the stream, on a
    /// second core (the default: pg_dump's own compression is single-threaded zlib, measured in docs/benchmark.md).
    /// The stored object is a standard zstd frame: <c>zstd -d | pg_restore</c> restores it with stock tools.
    /// </summary>
    Zstd = 0,

    /// <summary>pg_dump's own compression (<c>--compress</c>, zlib), as BackupOps did before zstd became the default.</summary>
    PgDump = 1,
}

/// <summary>Names and ranges of the codecs, shared by the request, the manifest and the front ends.</summary>
public static class DumpCodecs
{
    /// <summary>The manifest's <c>codec</c> value of a zstd-compressed dump.</summary>
    public const string ZstdName = "zstd";

    /// <summary>The data key suffix of a zstd-compressed dump (after <c>.dump</c>).</summary>
    public const string ZstdSuffix = ".zst";

    /// <summary>The highest level each codec accepts (zstd's 20-22 need far more memory for little gain).</summary>
    public static int MaximumLevel(DumpCodec codec) => codec == DumpCodec.Zstd ? 19 : 9;

    /// <summary>Parses the CLI's <c>--codec</c> value (<c>zstd</c> or <c>pg_dump</c>), or null when it is neither.</summary>
    public static DumpCodec? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "zstd" => DumpCodec.Zstd,
        "pg_dump" or "pgdump" or "gzip" or "zlib" => DumpCodec.PgDump,
        _ => null,
    };
}
