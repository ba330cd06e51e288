using System.Diagnostics;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Wal;

/// <summary>
/// <c>archive_command</c>: one WAL file into the archive. The file is read whole (a segment is 16 MiB), its header
/// checked against the archive's identity, compressed, optionally encrypted, sealed with its SHA-256 and written in
/// one atomic PUT (a folder store: a partial file renamed into place, then the folder fsynced). A file already
/// archived with the same content succeeds (PostgreSQL retries after a crash); the same name with other content fails.
/// </summary>
public static class WalPushEngine
{
    /// <summary>Pushes a file synchronously, or into the spool when <see cref="WalPushOptions.SpoolDirectory"/> is set.</summary>
    public static async Task<WalPushResult> PushAsync(string path, WalPushOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var (name, bytes) = await ReadFileAsync(path, cancellationToken).ConfigureAwait(false);
        timings["read"] = Lap(clock);
        if (options.SpoolDirectory is { } spool)
        {
            var result = await new WalSpool(spool, options).EnqueueAsync(name, bytes, cancellationToken).ConfigureAwait(false);
            timings["spool"] = Lap(clock);
            return result with { Timings = timings };
        }

        await using var store = StoreLocation.Open(options.Store, options.S3);
        timings["open store"] = Lap(clock);
        var archive = new WalArchive(store, options.Cluster);
        return await PushOpenAsync(archive, name, bytes, options, timings, clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pushes one file's bytes into an open archive (the async worker calls this for every spooled file).</summary>
    internal static async Task<WalPushResult> PushOpenAsync(WalArchive archive, WalFileName name, byte[] bytes, WalPushOptions options, Dictionary<string, double> timings, Stopwatch clock, CancellationToken cancellationToken)
    {
        var sha256 = WalArchive.Hash(bytes);
        timings["sha256"] = Lap(clock);
        if (name.Kind is WalFileKind.Segment or WalFileKind.Partial)
        {
            var header = WalSegmentHeader.Read(bytes, name);
            await archive.EnsureIdentityAsync(header, cancellationToken).ConfigureAwait(false);
            timings["check identity"] = Lap(clock);
        }

        var existing = await archive.FindAsync(name, cancellationToken).ConfigureAwait(false);
        timings["look up"] = Lap(clock);
        if (existing is not null)
        {
            var verdict = await CompareAsync(archive, existing, sha256, cancellationToken).ConfigureAwait(false);
            timings["compare existing"] = Lap(clock);
            if (verdict is null)
            {
                return new WalPushResult(name.Name, "already-archived", existing.Key, bytes.Length, existing.SizeBytes, timings);
            }

            // The stored copy cannot even prove itself (a torn or flipped object): a good copy replaces it.
            await archive.Store.DeleteAsync(existing.Key, cancellationToken).ConfigureAwait(false);
        }

        var key = await archive.WriteAsync(name, bytes, sha256, options.Codec, options.AgeRecipients, cancellationToken).ConfigureAwait(false);
        timings["compress + write"] = Lap(clock);
        return new WalPushResult(name.Name, "archived", key, bytes.Length, 0, timings);
    }

    /// <summary>Reads and names the file PostgreSQL passed as %p.</summary>
    internal static async Task<(WalFileName Name, byte[] Bytes)> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var name = WalFileName.Parse(Path.GetFileName(path));
        try
        {
            return (name, await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BackupOpsException(BackupOpsErrorKind.NotFound, "WalFileNotFound", $"{Path.GetFullPath(path)} does not exist. archive_command must pass %p (relative to the data directory, where PostgreSQL runs it).", ex) { Target = name.Name };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "WalFileUnreadable", $"{Path.GetFullPath(path)} cannot be read: {ex.Message}", ex) { Target = name.Name };
        }
    }

    // Null when the archived copy holds exactly these bytes; throws when it holds other (valid) bytes;
    // returns the damage when the archived copy is itself damaged.
    private static async Task<string?> CompareAsync(WalArchive archive, WalArchiveEntry existing, string sha256, CancellationToken cancellationToken)
    {
        byte[] stored;
        await using (var stream = await archive.Store.OpenReadAsync(existing.Key, cancellationToken).ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            stored = copy.ToArray();
        }

        WalObjectFormat.Trailer trailer;
        try
        {
            trailer = WalObjectFormat.Open(stored, existing.Name.Name, out _);
        }
        catch (BackupOpsException ex) when (ex.ErrorId == "WalObjectDamaged")
        {
            return ex.Message;
        }

        return trailer.OriginalSha256 == sha256
            ? null
            : throw new BackupOpsException(
                BackupOpsErrorKind.IntegrityFailed,
                "WalArchivedDifferently",
                $"{existing.Name.Name} is already archived in {archive.Store.Display} with other content (SHA-256 {trailer.OriginalSha256}, this file {sha256}). Nothing was overwritten. Two servers may be archiving under the cluster name '{archive.Cluster}': give each its own --cluster.") { Target = existing.Name.Name };
    }

    private static double Lap(Stopwatch clock)
    {
        var ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return Math.Round(ms, 2);
    }
}
