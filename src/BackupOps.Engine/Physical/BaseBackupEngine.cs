using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;
using BackupOps.Engine.Wal;
using ZstdSharp;

namespace BackupOps.Engine.Physical;

/// <summary>
/// <c>pg_basebackup -Ft -D -</c> (one tar on stdout, no temp copy of the data directory) → zstd → (age) → store,
/// with SHA-256 and size computed on the way. The WAL the backup needs comes from the archive (<c>-X none</c>), so
/// the backup is committed only when every segment from its start to its end is proven present there; the manifest
/// is written last. Any failure aborts the data object.
/// </summary>
public static class BaseBackupEngine
{
    /// <summary>Takes a base backup.</summary>
    public static Task<CatalogEntry<BaseBackupManifest>> RunAsync(BaseBackupRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = new Health.RunContext(request.Store, request.S3, BackupKind.PostgresBase.Name, request.ClusterName, "backup", request.Reporting ?? Health.RunReporting.FromEnvironment()) { SigningKeyFile = request.SigningKeyFile, SignsRecords = true };
        return Health.RunTracker.TrackAsync(context, () => RunCoreAsync(request, progress, cancellationToken), b => new Health.RunSummary(true, b.Manifest.SizeBytes, b.BackupId), cancellationToken);
    }

    private static async Task<CatalogEntry<BaseBackupManifest>> RunCoreAsync(BaseBackupRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        using var signer = Signing.SigningKeys.LoadSigner(request.SigningKeyFile);
        var cluster = request.ClusterName;
        var redactor = new SecretRedactor();
        request.Connection.RegisterSecrets(redactor);
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        s3.RegisterSecrets(redactor);
        await using var store = StoreLocation.Open(request.Store, s3);
        await ObjectLockPreflight.CheckAsync(store, s3, cancellationToken).ConfigureAwait(false);
        var archive = new WalArchive(store, cluster);

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var activity = $"Base backup of {cluster}";
        var tool = PgToolLocator.Find("pg_basebackup");
        var age = request.AgeRecipients.Count > 0 ? AgeTool.Find() : null;
        var backupId = BackupKeys.NewBackupId(started);
        var prefix = BackupKeys.SourcePrefix(BackupKind.PostgresBase, cluster);
        var dataKey = prefix + backupId + ".tar" + (request.CompressionLevel > 0 ? ".zst" : string.Empty) + (age is null ? string.Empty : BackupKeys.AgeSuffix);
        var manifestKey = prefix + backupId + BackupKeys.ManifestSuffix;
        progress?.Report(new OperationProgress(activity, $"pg_basebackup from {request.Connection.Host}:{request.Connection.Port}", 0, null, 0));

        var inspector = new TarInspector();
        await using var writer = await store.BeginWriteAsync(dataKey, 0, cancellationToken).ConfigureAwait(false);
        await using var basebackup = ProcessRunner.Start(tool, Arguments(request, backupId), ChildEnvironment.ForLibpq(request.Connection), redactor);
        await using var encrypt = age is null ? null : ProcessRunner.Start(age, AgeTool.EncryptArguments(request.AgeRecipients), null, redactor, redirectInput: true);
        var sink = new HashingStoreStream(writer);
        string sha256;
        long size;
        try
        {
            var drain = encrypt is null ? Task.CompletedTask : encrypt.Output.CopyToAsync(sink, 1 << 20, cancellationToken);
            var compressedTarget = encrypt?.Input ?? (Stream)sink;
            await CompressAsync(basebackup.Output, compressedTarget, inspector, request.CompressionLevel, (done, rate) => progress?.Report(new OperationProgress(activity, $"pg_basebackup {tool.Version} → {store.Display}", done, null, rate)), cancellationToken).ConfigureAwait(false);
            if (encrypt is not null)
            {
                await encrypt.Input.DisposeAsync().ConfigureAwait(false);
                await drain.ConfigureAwait(false);
                await encrypt.WaitForSuccessAsync("AgeEncryptFailed", $"Encryption of the base backup of {cluster}", cancellationToken).ConfigureAwait(false);
            }

            await basebackup.WaitForSuccessAsync("PgBaseBackupFailed", $"Base backup of {cluster}", cancellationToken).ConfigureAwait(false);
            var tarEnded = DateTimeOffset.UtcNow;
            sha256 = sink.FinishHash();
            size = sink.BytesWritten;
            if (basebackup.ErrorText.Contains("WAL archiving is not enabled", StringComparison.Ordinal))
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "WalArchivingOff", $"archive_mode is off on {request.Connection.Host}:{request.Connection.Port}, and a base backup without archived WAL cannot be restored. Nothing was stored. Set up archiving first (docs/pitr.md, step 1: the 'wal setup' command prints the settings and proves them).") { Target = cluster };
            }

            // pg_basebackup returns once archive_command accepted the last segment; an async spool may still be uploading it.
            var identity = await WaitForIdentityAsync(archive, request.WalTimeout, cancellationToken).ConfigureAwait(false);
            var facts = BackupFacts.Read(inspector, identity.WalSegmentSize);
            if (facts.SystemIdentifier != identity.SystemIdentifier)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "WalSystemIdMismatch", $"The server {request.Connection.Host}:{request.Connection.Port} has system identifier {facts.SystemIdentifier}, but the WAL archive '{cluster}' belongs to {identity.SystemIdentifier}. Nothing was stored; give -Cluster / --cluster the name this server's archive_command uses.") { Target = cluster };
            }

            progress?.Report(new OperationProgress(activity, $"waiting for WAL {facts.StartSegment}..{facts.StopSegment} in the archive", size, size, 0));
            var stopTime = await WaitForWalAsync(archive, facts, request.WalTimeout, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(sha256, cancellationToken).ConfigureAwait(false);
            var manifest = new BaseBackupManifest
            {
                BackupId = backupId,
                Database = cluster,
                SourceServer = $"{request.Connection.Host}:{request.Connection.Port.ToString(CultureInfo.InvariantCulture)}",
                User = request.Connection.Username,
                ServerVersion = facts.ServerVersion,
                PgBaseBackupVersion = tool.Version,
                SystemIdentifier = facts.SystemIdentifier,
                Timeline = facts.Timeline,
                StartLsn = WalFileName.FormatLsn(facts.StartLsn),
                StopLsn = WalFileName.FormatLsn(facts.StopLsn),
                StartWalSegment = facts.StartSegment,
                StopWalSegment = facts.StopSegment,
                WalSegmentSize = identity.WalSegmentSize,
                StartedUtc = started,
                StopTimeUtc = stopTime ?? tarEnded,
                CompletedUtc = DateTimeOffset.UtcNow,
                DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                DataKey = dataKey,
                SizeBytes = size,
                Sha256 = sha256,
                DataBytes = inspector.ContentBytes,
                Files = inspector.Files,
                Codec = request.CompressionLevel > 0 ? "zstd" : "none",
                CompressionLevel = request.CompressionLevel,
                Encryption = age is null ? null : new EncryptionInfo("age", request.AgeRecipients),
                PgManifestChecksum = facts.ManifestChecksum,
                Immutability = ObjectLockPreflight.Record(store, writer.RetainUntilUtc),
                ToolVersion = ToolInfo.Version,
                Host = Environment.MachineName,
                SigningKey = signer?.Fingerprint,
            };
            try
            {
                await Signing.ManifestSignatures.PutManifestAsync(store, manifestKey, ManifestSerializer.Serialize(manifest), signer, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (await Failures.DeleteQuietlyAsync(store, dataKey, "the data object", s3.CleanupTimeout).ConfigureAwait(false) is { } leftBehind)
                {
                    throw Failures.WithLeftBehind(ex, leftBehind);
                }

                throw;
            }

            return new CatalogEntry<BaseBackupManifest>(store.Display, manifest, manifestKey);
        }
        catch (Exception ex)
        {
            // Children first, as for dumps: a blocked pg_basebackup holds a walsender and its backend.
            basebackup.Kill();
            encrypt?.Kill();
            if (await writer.AbortAsync().ConfigureAwait(false) is { } leftBehind)
            {
                throw Failures.WithLeftBehind(ex, leftBehind);
            }

            throw;
        }
    }

    private static async Task<WalArchiveIdentity> WaitForIdentityAsync(WalArchive archive, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await archive.ReadIdentityAsync(cancellationToken).ConfigureAwait(false) is { } identity)
            {
                return identity;
            }

            if (clock.Elapsed > timeout)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "WalArchiveMissing", $"No WAL arrived in the archive '{archive.Cluster}' of {archive.Store.Display} within {timeout.TotalSeconds:0} s, and a base backup without WAL cannot be restored. Nothing was stored. Check that archive_command uses -Cluster / --cluster {archive.Cluster} and this store (docs/pitr.md: 'wal setup' with its check).") { Target = archive.Cluster };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<string> Arguments(BaseBackupRequest request, string backupId)
    {
        var arguments = new List<string>
        {
            "--pgdata=-",
            "--format=tar",
            "--wal-method=none",
            $"--checkpoint={(request.FastCheckpoint ? "fast" : "spread")}",
            $"--label=backupops {backupId}",
            "--no-password",
        };
        return arguments;
    }

    // Where the test hook basebackup:streaming pauses: data is flowing into the store (the partial object exists).
    private const long TestPauseAfterBytes = 6L << 20;

    // pg_basebackup's stdout → inspector (headers only) → zstd → target, in 1 MiB steps.
    private static async Task CompressAsync(Stream tar, Stream target, TarInspector inspector, int level, Action<long, double> report, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long total = 0;
        var compressor = level > 0 ? new CompressionStream(target, level, 1 << 20, leaveOpen: true) : null;
        try
        {
            compressor?.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            var output = compressor ?? target;
            int read;
            while ((read = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                inspector.Feed(buffer.AsSpan(0, read));
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                if (Diagnostics.TestHooks.Enabled && total < TestPauseAfterBytes && total + read >= TestPauseAfterBytes)
                {
                    await Diagnostics.TestHooks.PauseAsync("basebackup:streaming", cancellationToken).ConfigureAwait(false);
                }

                total += read;
                if (clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(250))
                {
                    lastReport = clock.Elapsed;
                    report(total, total / Math.Max(clock.Elapsed.TotalSeconds, 0.001));
                }
            }
        }
        finally
        {
            if (compressor is not null)
            {
                await compressor.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (total == 0)
        {
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "PgBaseBackupEmpty", "pg_basebackup produced no output; nothing was stored.");
        }
    }

    // Every segment from start to stop must be archived before the backup counts; the server's own backup
    // history file gives the stop time in the server's clock (null: use when pg_basebackup ended, a moment later).
    private static async Task<DateTimeOffset?> WaitForWalAsync(WalArchive archive, BackupFacts facts, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var needed = facts.NeededSegments().ToList();
        while (true)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var folder in needed.Select(n => n[..16]).Distinct(StringComparer.Ordinal))
            {
                foreach (var entry in await archive.ListAsync(folder, cancellationToken).ConfigureAwait(false))
                {
                    present.Add(entry.Name.Name);
                }
            }

            var missing = needed.Where(n => !present.Contains(n)).ToList();
            if (missing.Count == 0)
            {
                // The backup history file is archived right after the last segment (an async spool may send it a
                // moment later). Encrypted, it cannot be read here: pg_basebackup's end then stands in.
                if (present.Contains(facts.BackupHistoryFile) && await archive.FindAsync(WalFileName.Parse(facts.BackupHistoryFile), cancellationToken).ConfigureAwait(false) is { Encrypted: false } history)
                {
                    return BackupFacts.ParseStopTime(System.Text.Encoding.UTF8.GetString(await archive.ReadAsync(history, null, cancellationToken).ConfigureAwait(false)));
                }

                if (present.Contains(facts.BackupHistoryFile) || deadline.Elapsed > timeout)
                {
                    return null;
                }
            }
            else if (deadline.Elapsed > timeout)
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "BaseBackupWalMissing", $"The backup needs WAL {string.Join(", ", missing)} in the archive '{archive.Cluster}' of {archive.Store.Display}, and it did not arrive within {timeout.TotalSeconds:0} s. Nothing was stored. Check archive_command (pg_stat_archiver, and 'wal setup' with its check: docs/pitr.md).") { Target = missing[0] };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the tar says about the backup.</summary>
    private sealed record BackupFacts(string ServerVersion, string SystemIdentifier, uint Timeline, ulong StartLsn, ulong StopLsn, int SegmentSize, string? ManifestChecksum)
    {
        public string StartSegment => WalFileName.SegmentFileName(Timeline, StartLsn / (ulong)SegmentSize, SegmentSize);

        // The end LSN points just past the last record: a backup ending on a segment boundary needs no byte of the next one.
        public string StopSegment => WalFileName.SegmentFileName(Timeline, (StopLsn - 1) / (ulong)SegmentSize, SegmentSize);

        public string BackupHistoryFile => string.Create(CultureInfo.InvariantCulture, $"{StartSegment}.{StartLsn % (ulong)SegmentSize:X8}.backup");

        public IEnumerable<string> NeededSegments()
        {
            for (var segment = StartLsn / (ulong)SegmentSize; segment <= (StopLsn - 1) / (ulong)SegmentSize; segment++)
            {
                yield return WalFileName.SegmentFileName(Timeline, segment, SegmentSize);
            }
        }

        public static BackupFacts Read(TarInspector tar, int segmentSize)
        {
            var label = tar.Text("backup_label") ?? throw Incomplete("backup_label");
            var manifestText = tar.Member("backup_manifest") ?? throw Incomplete("backup_manifest");
            var control = tar.Member("global/pg_control") ?? throw Incomplete("global/pg_control");
            if (tar.Member("tablespace_map") is { Length: > 0 })
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "BaseBackupTablespaces", "The cluster has tablespaces outside its data directory; BackupOps streams a base backup as one tar, which pg_basebackup allows only without them. Nothing was stored.");
            }

            var start = LabelValue(label, "START WAL LOCATION:");
            var startLsn = WalFileName.ParseLsn(start.Split(' ')[0]);
            var timeline = uint.Parse(LabelValue(label, "START TIMELINE:"), CultureInfo.InvariantCulture);
            using var manifest = JsonDocument.Parse(manifestText);
            var ranges = manifest.RootElement.GetProperty("WAL-Ranges");
            var stopLsn = ranges.EnumerateArray().Select(r => WalFileName.ParseLsn(r.GetProperty("End-LSN").GetString()!)).Max();
            var checksum = manifest.RootElement.TryGetProperty("Manifest-Checksum", out var c) ? c.GetString() : null;
            var system = BinaryPrimitives.ReadUInt64LittleEndian(control).ToString(CultureInfo.InvariantCulture);
            return new BackupFacts((tar.Text("PG_VERSION") ?? "?").Trim(), system, timeline, startLsn, stopLsn, segmentSize, checksum);
        }

        public static DateTimeOffset? ParseStopTime(string history)
        {
            var line = history.Split('\n').FirstOrDefault(l => l.StartsWith("STOP TIME:", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }

            // "STOP TIME: 2026-12-01 11:39:13 UTC"; the zone is the server's log_timezone abbreviation.
            var text = line["STOP TIME:".Length..].Trim();
            var space = text.LastIndexOf(' ');
            return space > 0 && DateTime.TryParse(text[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) && text[(space + 1)..] is "UTC" or "GMT"
                ? new DateTimeOffset(t, TimeSpan.Zero)
                : null;
        }

        private static string LabelValue(string label, string key) =>
            label.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?[key.Length..].Trim() ?? throw Incomplete($"backup_label {key}");

        private static BackupOpsException Incomplete(string what) =>
            new(BackupOpsErrorKind.OperationFailed, "PgBaseBackupIncomplete", $"pg_basebackup's output has no {what}; nothing was stored. Check that the server is PostgreSQL 13 or newer.");
    }
}
