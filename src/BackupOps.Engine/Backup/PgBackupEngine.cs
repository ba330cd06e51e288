using System.Diagnostics;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Compression;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;
using Npgsql;

namespace BackupOps.Engine.Backup;

/// <summary>
/// pg_dump → (age) → store, in one streamed pass with SHA-256 and size computed on the way. The manifest is
/// written only after the data object is committed and verified; any failure or cancellation aborts the data
/// object, so a backup either exists whole, with its manifest, or not at all.
/// </summary>
public static class PgBackupEngine
{
    /// <summary>Runs a backup and returns the committed backup; leaves a run record and notification either way.</summary>
    public static Task<CatalogEntry<BackupManifest>> RunAsync(PgBackupRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = request.WithSourceDatabase(out var fromPgDatabase);
        if (fromPgDatabase)
        {
            request.Reporting?.OnWarning?.Invoke($"The connection names no database: backing up '{request.Connection.Database}' from PGDATABASE.");
        }

        var context = new Health.RunContext(request.Store, request.S3, BackupKind.Postgres.Name, request.Connection.Database, "backup", request.Reporting ?? Health.RunReporting.FromEnvironment()) { SigningKeyFile = request.SigningKeyFile, SignsRecords = true };
        return Health.RunTracker.TrackAsync(context, () => RunCoreAsync(request, progress, cancellationToken), b => new Health.RunSummary(true, b.Manifest.SizeBytes, b.BackupId), cancellationToken);
    }

    private static async Task<CatalogEntry<BackupManifest>> RunCoreAsync(PgBackupRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        var redactor = new SecretRedactor();
        request.Connection.RegisterSecrets(redactor);
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        s3.RegisterSecrets(redactor);

        // The key is checked before anything connects: a key others can read is refused with nothing done.
        using var signer = Signing.SigningKeys.LoadSigner(request.SigningKeyFile);
        await using var store = StoreLocation.Open(request.Store, s3);

        // Before pg_dump starts: a bucket that cannot lock fails here with the fix, not after the upload.
        await ObjectLockPreflight.CheckAsync(store, s3, cancellationToken).ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var activity = $"Backing up {request.Connection.Database}";
        progress?.Report(new OperationProgress(activity, $"connecting to {request.Connection.Display}", 0, null, 0));

        // The snapshot transaction stays open until pg_dump exits, so the schema summary and exact counts
        // describe exactly the data pg_dump writes.
        await using var connection = await PgConnector.OpenAsync(request.Connection, cancellationToken).ConfigureAwait(false);
        await using var snapshotTransaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var serverVersion = await ScalarAsync(connection, "SHOW server_version", cancellationToken).ConfigureAwait(false);
        await ScalarAsync(connection, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        var snapshotId = await ScalarAsync(connection, "SELECT pg_export_snapshot()", cancellationToken).ConfigureAwait(false);
        var databaseBytes = long.Parse(await ScalarAsync(connection, "SELECT pg_database_size(current_database())", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        var schema = await SchemaReader.ReadAsync(connection, request.CriticalTables, cancellationToken).ConfigureAwait(false);

        var pgDump = PgToolLocator.Find("pg_dump", PgToolLocator.ParseMajor(serverVersion));
        var age = request.AgeRecipients.Count > 0 ? AgeTool.Find() : null;
        var backupId = BackupKeys.NewBackupId(started);
        var dataKey = BackupKeys.DataKey(request.Connection.Database, backupId, age is not null, request.CompressesInStream);
        var manifestKey = BackupKeys.ManifestKey(request.Connection.Database, backupId);

        await using var writer = await store.BeginWriteAsync(dataKey, databaseBytes, cancellationToken).ConfigureAwait(false);
        await using var dump = ProcessRunner.Start(pgDump, BuildDumpArguments(request, snapshotId), ChildEnvironment.ForLibpq(request.Connection), redactor, bulkOutput: true);
        await using var encrypt = age is null ? null : ProcessRunner.Start(age, AgeTool.EncryptArguments(request.AgeRecipients), null, redactor, redirectInput: true);
        string sha256;
        long size;
        try
        {
            var zstd = request.CompressesInStream;
            var status = $"pg_dump {pgDump.Version}{(zstd ? " | zstd" : string.Empty)}{(encrypt is null ? string.Empty : " | age")} → {store.Display}";
            var streamed = 0L;
            async ValueTask StoreAsync(ReadOnlyMemory<byte> chunk, CancellationToken token)
            {
                await writer.WriteAsync(chunk, token).ConfigureAwait(false);
                if (Diagnostics.TestHooks.Enabled && streamed < TestPauseAfterBytes && (streamed += chunk.Length) >= TestPauseAfterBytes)
                {
                    await Diagnostics.TestHooks.PauseAsync("backup:streaming", token).ConfigureAwait(false);
                }
            }

            void Report(long done, double rate) => progress?.Report(new OperationProgress(activity, status, done, null, rate));
            Task feed;
            if (encrypt is not null)
            {
                // pg_dump → (zstd) → age's stdin here; age's stdout → SHA-256 → store below.
                feed = PumpAsync(dump.Output, encrypt.Input, zstd ? request.CompressionLevel : 0, cancellationToken);
                (sha256, size) = await HashingCopier.CopyAsync(encrypt.Output, StoreAsync, Report, cancellationToken).ConfigureAwait(false);
            }
            else if (zstd)
            {
                // pg_dump → zstd (its worker thread) → SHA-256 → store, all in this one pass.
                feed = Task.CompletedTask;
                using var hashing = new HashingSink(StoreAsync, Report);
                var dumped = await ZstdStreams.CompressAsync(dump.Output, hashing.AsStream(), request.CompressionLevel, cancellationToken).ConfigureAwait(false);
                (sha256, size) = hashing.Finish();
                if (dumped == 0)
                {
                    size = 0; // an empty dump still makes a zstd frame: judge pg_dump's output, not the frame
                }

            }
            else
            {
                feed = Task.CompletedTask;
                (sha256, size) = await HashingCopier.CopyAsync(dump.Output, StoreAsync, Report, cancellationToken).ConfigureAwait(false);
            }

            await feed.ConfigureAwait(false);
            await dump.WaitForSuccessAsync("PgDumpFailed", $"Backup of {request.Connection.Database}", cancellationToken).ConfigureAwait(false);
            if (encrypt is not null)
            {
                await encrypt.WaitForSuccessAsync("AgeEncryptFailed", $"Encryption of {request.Connection.Database}", cancellationToken).ConfigureAwait(false);
            }

            if (size == 0)
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "PgDumpEmpty", $"pg_dump produced no output for {request.Connection.Database}; nothing was stored.");
            }

            progress?.Report(new OperationProgress(activity, "committing data object", size, size, 0));
            await writer.CommitAsync(sha256, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Children first: a pg_dump blocked on a full pipe keeps its backend in ClientWrite, and PostgreSQL 15 makes
            // every DROP DATABASE on the cluster wait for that backend (a stalled store must not stall the cluster).
            dump.Kill();
            encrypt?.Kill();
            var leftBehind = await writer.AbortAsync().ConfigureAwait(false);
            if (leftBehind is null)
            {
                throw;
            }

            throw Failures.WithLeftBehind(ex, leftBehind);
        }

        await snapshotTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        var completed = DateTimeOffset.UtcNow;
        var manifest = new BackupManifest
        {
            BackupId = backupId,
            Database = request.Connection.Database,
            SourceServer = $"{request.Connection.Host}:{request.Connection.Port}",
            ServerVersion = serverVersion,
            PgDumpVersion = pgDump.Version,
            StartedUtc = started,
            CompletedUtc = completed,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            DataKey = dataKey,
            SizeBytes = size,
            Sha256 = sha256,
            Codec = request.CompressesInStream ? DumpCodecs.ZstdName : null,
            CompressionLevel = request.CompressionLevel,
            Encryption = age is null ? null : new EncryptionInfo("age", request.AgeRecipients),
            Immutability = ObjectLockPreflight.Record(store, writer.RetainUntilUtc),
            Options = new DumpOptionsInfo(request.NoOwner, request.NoPrivileges, request.IncludeTables, request.ExcludeTables),
            ToolVersion = ToolInfo.Version,
            Host = Environment.MachineName,
            Schema = schema,
            SigningKey = signer?.Fingerprint,
        };

        try
        {
            await Diagnostics.TestHooks.PauseAsync("backup:data-committed", cancellationToken).ConfigureAwait(false);

            // Written last: only now does the backup exist.
            await Signing.ManifestSignatures.PutManifestAsync(store, manifestKey, ManifestSerializer.Serialize(manifest), signer, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var leftBehind = await Failures.DeleteQuietlyAsync(store, dataKey, "the data object", s3.CleanupTimeout).ConfigureAwait(false);
            if (leftBehind is null)
            {
                throw;
            }

            throw Failures.WithLeftBehind(ex, leftBehind);
        }

        return new CatalogEntry<BackupManifest>(store.Display, manifest, manifestKey);
    }

    // Where the test hook "backup:streaming" pauses: past the first S3 part, so an upload is really open.
    private const long TestPauseAfterBytes = 6L << 20;

    internal static List<string> BuildDumpArguments(PgBackupRequest request, string snapshotId)
    {
        var arguments = new List<string>
        {
            "--format=custom",
            $"--compress={(request.Codec == DumpCodec.Zstd ? 0 : request.CompressionLevel)}",
            $"--snapshot={snapshotId}",
            "--no-password",
            $"--host={request.Connection.Host}",
            $"--port={request.Connection.Port}",
        };
        if (request.NoOwner)
        {
            arguments.Add("--no-owner");
        }

        if (request.NoPrivileges)
        {
            arguments.Add("--no-privileges");
        }

        arguments.AddRange(request.IncludeTables.Select(t => $"--table={t}"));
        arguments.AddRange(request.ExcludeTables.Select(t => $"--exclude-table={t}"));
        arguments.Add(request.Connection.Database);
        return arguments;
    }

    private static async Task PumpAsync(Stream from, Stream to, int zstdLevel, CancellationToken cancellationToken)
    {
        try
        {
            if (zstdLevel > 0)
            {
                await ZstdStreams.CompressAsync(from, to, zstdLevel, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await from.CopyToAsync(to, HashingCopier.BufferSize, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await to.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))?.ToString() ?? string.Empty;
    }
}
