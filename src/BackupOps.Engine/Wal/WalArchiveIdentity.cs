namespace BackupOps.Engine.Wal;

/// <summary>
/// Which PostgreSQL cluster an archive belongs to (<c>wal/&lt;cluster&gt;/archive.json</c>), written by the first push.
/// Every later push compares the segment's system identifier with it, so two clusters configured with the same
/// name cannot interleave their WAL (pgBackRest refuses the same way).
/// </summary>
public sealed record WalArchiveIdentity
{
    /// <summary>Record format version.</summary>
    public int FormatVersion { get; set; } = 1;

    /// <summary>The cluster name the archive is filed under.</summary>
    public required string Cluster { get; init; }

    /// <summary>The cluster's system identifier (pg_control_system(), as text: it does not fit a JSON number).</summary>
    public required string SystemIdentifier { get; init; }

    /// <summary>WAL segment size in bytes.</summary>
    public required int WalSegmentSize { get; init; }

    /// <summary>The WAL page magic (one per PostgreSQL major version).</summary>
    public required int PageMagic { get; init; }

    /// <summary>When the archive was started.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The host whose push started it.</summary>
    public string CreatedOn { get; set; } = Environment.MachineName;
}

/// <summary>One archived WAL file as listed.</summary>
/// <param name="Name">The WAL file name.</param>
/// <param name="Key">Its object key.</param>
/// <param name="SizeBytes">Stored size.</param>
/// <param name="ArchivedUtc">When it was written to the store.</param>
/// <param name="Codec">Its codec.</param>
/// <param name="Encrypted">True when age-encrypted.</param>
public sealed record WalArchiveEntry(WalFileName Name, string Key, long SizeBytes, DateTimeOffset ArchivedUtc, WalCodec Codec, bool Encrypted);
