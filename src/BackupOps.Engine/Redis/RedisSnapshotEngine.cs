using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Redis snapshot → store with the database backups' guarantees: the data object is verified (redis-check-rdb)
/// before upload, hashed on the way, and the manifest is written last. RDB snapshots come from BGSAVE (or the
/// latest save) and the server's own file or replication; logical snapshots from SCAN + DUMP for managed Redis.
/// </summary>
public static class RedisSnapshotEngine
{
    /// <summary>Takes a snapshot and returns the committed snapshot; leaves a run record and notification either way.</summary>
    public static Task<CatalogEntry<RedisSnapshotManifest>> RunAsync(RedisSnapshotRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = new Health.RunContext(request.Store, request.S3, BackupKind.Redis.Name, request.EffectiveSourceName, "snapshot", request.Reporting ?? Health.RunReporting.FromEnvironment()) { SigningKeyFile = request.SigningKeyFile, SignsRecords = true };
        return Health.RunTracker.TrackAsync(context, () => RunCoreAsync(request, progress, cancellationToken), s => new Health.RunSummary(true, s.Manifest.SizeBytes, s.BackupId), cancellationToken);
    }

    private static async Task<CatalogEntry<RedisSnapshotManifest>> RunCoreAsync(RedisSnapshotRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        using var signer = Signing.SigningKeys.LoadSigner(request.SigningKeyFile);
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        await using var store = StoreLocation.Open(request.Store, s3);
        await ObjectLockPreflight.CheckAsync(store, s3, cancellationToken).ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var source = request.EffectiveSourceName;
        var activity = $"Snapshot of Redis {request.Connection.Display}";
        var redactor = new SecretRedactor();
        request.Connection.RegisterSecrets(redactor);

        using var session = await RedisConnector.ConnectAsync(request.Connection).ConfigureAwait(false);
        var server = session.Server;
        try
        {
            var info = await RedisInfo.ReadAsync(server).ConfigureAwait(false);
            var version = info.GetValueOrDefault("redis_version", "unknown");
            var aof = RedisInfo.Long(info, "aof_enabled") == 1;
            var backupId = BackupKeys.NewBackupId(started);
            var prefix = BackupKeys.SourcePrefix(BackupKind.Redis, source);
            var manifestKey = BackupKeys.ManifestKey(BackupKind.Redis, source, backupId);

            Dictionary<int, RedisDatabaseKeys> databases;
            string dataKey, sha256, method, obtained;
            long size;
            DateTimeOffset? lastSave = null;
            DateTimeOffset? retainUntil;
            if (request.Logical)
            {
                (method, obtained, dataKey) = ("logical", "scan", prefix + backupId + ".rdx");
                await using var writer = await store.BeginWriteAsync(dataKey, 0, cancellationToken).ConfigureAwait(false);
                try
                {
                    await using var sink = new HashingStoreStream(writer);
                    await using var buffered = new BufferedStream(sink, 1 << 20);
                    databases = await LogicalExport.ExportAsync(session.Connection, server, RedisInfo.Keyspace(info).Keys, buffered, keys => progress?.Report(new OperationProgress(activity, $"exported {keys} keys", sink.BytesWritten, null, 0)), cancellationToken).ConfigureAwait(false);
                    await buffered.FlushAsync(cancellationToken).ConfigureAwait(false);
                    (sha256, size) = (sink.FinishHash(), sink.BytesWritten);
                    await writer.CommitAsync(sha256, cancellationToken).ConfigureAwait(false);
                    retainUntil = writer.RetainUntilUtc;
                }
                catch (Exception ex)
                {
                    await AbortAndRethrowAsync(writer, ex).ConfigureAwait(false);
                    throw;
                }
            }
            else
            {
                if (!request.NoSave)
                {
                    lastSave = await BackgroundSave.RunAsync(server, request.Connection.Display, request.SaveTimeout, progress, activity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    lastSave = new DateTimeOffset(DateTime.SpecifyKind(await server.LastSaveAsync().ConfigureAwait(false), DateTimeKind.Utc));
                }

                await using var rdb = await RdbSource.ObtainAsync(server, request.Connection, request.Transfer, request.TempDirectory, cancellationToken).ConfigureAwait(false);
                progress?.Report(new OperationProgress(activity, "redis-check-rdb", 0, rdb.File.Length, 0));
                var summary = await RdbCheck.RunAsync(rdb.CheckPath, cancellationToken).ConfigureAwait(false);
                databases = summary.Databases.ToDictionary(d => d.Key, d => new RedisDatabaseKeys(d.Value.Keys, d.Value.Expires));
                (method, obtained, dataKey) = ("rdb", rdb.Obtained, prefix + backupId + ".rdb");
                rdb.File.Position = 0;
                await using var writer = await store.BeginWriteAsync(dataKey, 0, cancellationToken).ConfigureAwait(false);
                try
                {
                    var paused = !Diagnostics.TestHooks.Enabled;
                    (sha256, size) = await HashingCopier.CopyAsync(
                        rdb.File,
                        async (chunk, token) =>
                        {
                            await writer.WriteAsync(chunk, token).ConfigureAwait(false);
                            if (!paused)
                            {
                                paused = true;
                                await Diagnostics.TestHooks.PauseAsync("snapshot:uploading", token).ConfigureAwait(false);
                            }
                        },
                        (done, rate) => progress?.Report(new OperationProgress(activity, $"uploading to {store.Display}", done, rdb.File.Length, rate)),
                        cancellationToken).ConfigureAwait(false);
                    await writer.CommitAsync(sha256, cancellationToken).ConfigureAwait(false);
                    retainUntil = writer.RetainUntilUtc;
                }
                catch (Exception ex)
                {
                    await AbortAndRethrowAsync(writer, ex).ConfigureAwait(false);
                    throw;
                }
            }

            var manifest = new RedisSnapshotManifest
            {
                BackupId = backupId,
                Database = source,
                SourceServer = request.Connection.Display,
                RedisVersion = version,
                Method = method,
                Obtained = obtained,
                StartedUtc = started,
                CompletedUtc = DateTimeOffset.UtcNow,
                DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                LastSaveUtc = lastSave,
                DataKey = dataKey,
                SizeBytes = size,
                Sha256 = sha256,
                Databases = databases.ToDictionary(d => d.Key.ToString(CultureInfo.InvariantCulture), d => d.Value),
                AofEnabled = aof,
                Immutability = ObjectLockPreflight.Record(store, retainUntil),
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

            return new CatalogEntry<RedisSnapshotManifest>(store.Display, manifest, manifestKey);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            throw RedisConnector.Translate(ex, request.Connection, redactor);
        }
    }

    // Aborts the upload; when something could not be removed, the first error leaves carrying that note.
    private static async Task AbortAndRethrowAsync(IStoreObjectWriter writer, Exception first)
    {
        if (await writer.AbortAsync().ConfigureAwait(false) is { } leftBehind)
        {
            throw Failures.WithLeftBehind(first, leftBehind);
        }
    }
}
