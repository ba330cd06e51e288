using System.Security.Cryptography;
using System.Text.Json;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>One cluster's WAL archive in a store: its identity, its objects, and verified reads and writes.</summary>
public sealed class WalArchive
{
    /// <summary>Opens the archive of <paramref name="cluster"/> in <paramref name="store"/>.</summary>
    public WalArchive(IBackupStore store, string cluster)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        Cluster = ClusterName.Validate(cluster);
    }

    /// <summary>The store.</summary>
    public IBackupStore Store { get; }

    /// <summary>The cluster name.</summary>
    public string Cluster { get; }

    /// <summary>Reads the archive's identity, or null when nothing was ever pushed.</summary>
    public async Task<WalArchiveIdentity?> ReadIdentityAsync(CancellationToken cancellationToken)
    {
        var bytes = await Store.TryGetSmallAsync(WalArchiveKeys.IdentityKey(Cluster), cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, WalJsonContext.Default.WalArchiveIdentity) ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "WalArchiveIdentityInvalid", $"{Store.Display}/{WalArchiveKeys.IdentityKey(Cluster)} is damaged ({ex.Message}). Restore it from a copy or start a new cluster name.", ex);
        }
    }

    /// <summary>Checks a segment against the archive's identity, creating the identity on the first push.</summary>
    public async Task<WalArchiveIdentity> EnsureIdentityAsync(WalSegmentHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        var identity = await ReadIdentityAsync(cancellationToken).ConfigureAwait(false);
        if (identity is null)
        {
            identity = new WalArchiveIdentity
            {
                Cluster = Cluster,
                SystemIdentifier = header.SystemIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture),
                WalSegmentSize = header.SegmentSize,
                PageMagic = header.Magic,
                CreatedUtc = DateTimeOffset.UtcNow,
            };
            try
            {
                await Store.PutSmallAsync(WalArchiveKeys.IdentityKey(Cluster), JsonSerializer.SerializeToUtf8Bytes(identity, WalJsonContext.Default.WalArchiveIdentity), cancellationToken).ConfigureAwait(false);
            }
            catch (BackupOpsException ex) when (ex.ErrorId == "StoreObjectExists")
            {
                // Another push (the async worker uploads in parallel) created it first: compare with that one.
                identity = await ReadIdentityAsync(cancellationToken).ConfigureAwait(false) ?? identity;
            }
        }

        var system = header.SystemIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (identity.SystemIdentifier != system)
        {
            throw new BackupOpsException(
                BackupOpsErrorKind.Refused,
                "WalSystemIdMismatch",
                $"This WAL comes from the cluster with system identifier {system}, but the archive '{Cluster}' in {Store.Display} belongs to {identity.SystemIdentifier} (created {identity.CreatedUtc:yyyy-MM-dd HH:mm} UTC on {identity.CreatedOn}). Nothing was archived. Give this cluster its own -Cluster / --cluster name; if the old cluster was replaced on purpose, archive under a new name.") { Target = Cluster };
        }

        return identity.WalSegmentSize == header.SegmentSize
            ? identity
            : throw new BackupOpsException(BackupOpsErrorKind.Refused, "WalSegmentSizeMismatch", $"This segment is {header.SegmentSize} bytes but the archive '{Cluster}' holds {identity.WalSegmentSize}-byte segments. Nothing was archived.") { Target = Cluster };
    }

    /// <summary>The archived object of a WAL file, or null when it is not archived.</summary>
    public async Task<WalArchiveEntry?> FindAsync(WalFileName name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        // A folder store lists folders, not key prefixes; S3 lists just the keys that start with the file's name.
        var prefix = Store is LocalDirectoryStore ? WalArchiveKeys.FolderOf(Cluster, name) : WalArchiveKeys.StemOf(Cluster, name);
        await foreach (var item in Store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (ToEntry(item) is { } entry && entry.Name.Name == name.Name)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Every archived file of the cluster (or of one folder: a <c>timeline+log id</c> or <c>history</c>).</summary>
    public async Task<IReadOnlyList<WalArchiveEntry>> ListAsync(string? folder, CancellationToken cancellationToken)
    {
        var entries = new List<WalArchiveEntry>();
        await foreach (var item in Store.ListAsync(WalArchiveKeys.ClusterPrefix(Cluster) + (folder is null ? string.Empty : folder + "/"), cancellationToken).ConfigureAwait(false))
        {
            if (ToEntry(item) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return [.. entries.OrderBy(e => e.Name.Name, StringComparer.Ordinal)];
    }

    /// <summary>Reads an archived file and proves it: the body against its recorded SHA-256, then the restored bytes against the original's.</summary>
    public async Task<byte[]> ReadAsync(WalArchiveEntry entry, string? identityFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        byte[] stored;
        await using (var stream = await Store.OpenReadAsync(entry.Key, cancellationToken).ConfigureAwait(false))
        {
            using var copy = new MemoryStream(entry.SizeBytes > 0 ? (int)Math.Min(entry.SizeBytes, int.MaxValue) : 1 << 16);
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            stored = copy.ToArray();
        }

        var trailer = WalObjectFormat.Open(stored, entry.Name.Name, out var bodySpan);
        var body = bodySpan.ToArray();
        if (trailer.Encrypted)
        {
            if (identityFile is null)
            {
                throw BackupOpsException.InvalidInput("WalIdentityMissing", $"{entry.Name.Name} is age-encrypted. Pass the identity file with -IdentityFile / --identity (restore_command needs it too).");
            }

            body = await AgeFilter.DecryptAsync(body, identityFile, cancellationToken).ConfigureAwait(false);
        }

        return WalObjectFormat.Restore(body, trailer, entry.Name.Name);
    }

    /// <summary>Writes a WAL file as a new object (compressed, optionally encrypted, sealed with its hashes) and returns its key.</summary>
    public async Task<string> WriteAsync(WalFileName name, ReadOnlyMemory<byte> original, string originalSha256, WalCodec codec, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(recipients);
        var body = WalObjectFormat.Compress(original.Span, codec);
        if (recipients.Count > 0)
        {
            body = await AgeFilter.EncryptAsync(body, recipients, cancellationToken).ConfigureAwait(false);
        }

        var key = WalArchiveKeys.KeyOf(Cluster, name, codec, recipients.Count > 0);
        var sealedObject = WalObjectFormat.Seal(body, codec, recipients.Count > 0, original.Length, originalSha256);
        if (Store is LocalDirectoryStore folder)
        {
            // A push killed mid-write left its partial file; PostgreSQL archives one file at a time, so it is ours to replace.
            var partial = Path.Combine(folder.Root, key) + LocalDirectoryStore.PartialSuffix;
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }

        await Store.PutSmallAsync(key, sealedObject, cancellationToken).ConfigureAwait(false);
        if (Store is LocalDirectoryStore local)
        {
            // PostgreSQL recycles the segment as soon as archive_command succeeds: the rename must be on disk too.
            DirectorySync.Flush(Path.GetDirectoryName(Path.Combine(local.Root, key))!);
        }

        return key;
    }

    /// <summary>SHA-256 (hex) of a WAL file's bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> original) => Convert.ToHexString(SHA256.HashData(original)).ToLowerInvariant();

    private static WalArchiveEntry? ToEntry(StoreObject item) =>
        WalArchiveKeys.Parse(item.Key) is { } parsed ? new WalArchiveEntry(parsed.Name, item.Key, item.Size, item.LastModifiedUtc, parsed.Codec, parsed.Encrypted) : null;
}
