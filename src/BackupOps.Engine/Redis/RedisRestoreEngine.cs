using System.Diagnostics;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Restores a Redis snapshot: SHA-256 verified, and an RDB checked by redis-check-rdb, before any server is
/// touched; then a sandbox is started (or a local server's data replaced, or keys RESTOREd into a server) and
/// the result validated against the manifest, expected keys and queue lengths.
/// </summary>
public static class RedisRestoreEngine
{
    /// <summary>Says what the restore would do; changes nothing.</summary>
    public static async Task<string> DescribeAsync(RedisRestoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        await using var store = StoreLocation.OpenExisting(request.Store, request.S3);
        var entry = await ResolveAsync(store, request, cancellationToken).ConfigureAwait(false);
        return request.Mode switch
        {
            RedisRestoreMode.ReplaceLocal => $"REPLACE all data of {request.Target!.Display} with snapshot {entry.BackupId} of '{entry.Database}' (SHUTDOWN NOSAVE, swap the RDB, restart)",
            RedisRestoreMode.IntoServer => $"RESTORE the keys of snapshot {entry.BackupId} into {request.Target!.Display}{(request.Replace ? ", overwriting existing keys" : string.Empty)}",
            _ => $"restore snapshot {entry.BackupId} of '{entry.Database}' into a new sandbox redis-server",
        };
    }

    /// <summary>Restores and validates; leaves a run record either way.</summary>
    public static Task<RedisRestoreResult> RunAsync(RedisRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        StoreLocation.RequireExistingFolder(request.Store); // a restore reads the store; a run record would create a missing folder
        var context = new Health.RunContext(request.Store, request.S3, BackupKind.Redis.Name, request.SourceName ?? "*", "restore", request.Reporting ?? Health.RunReporting.FromEnvironment());
        return Health.RunTracker.TrackAsync(
            context,
            () => RunCoreAsync(request, progress, cancellationToken),
            r => new Health.RunSummary(r.Succeeded, null, r.SnapshotId, r.Succeeded ? null : string.Join("; ", r.Checks.Where(c => c.Outcome == CheckOutcome.Failed).Select(c => $"{c.Name}: {c.Detail}"))),
            cancellationToken);
    }

    private static async Task<RedisRestoreResult> RunCoreAsync(RedisRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        var trusted = Signing.SigningKeys.LoadTrusted(request.TrustedKeyFiles);
        await using var store = StoreLocation.Open(request.Store, request.S3);
        var entry = await ResolveAsync(store, request, cancellationToken).ConfigureAwait(false);
        var manifest = entry.Manifest;

        // 0. A required signature is proven before anything is downloaded or any server (sandbox or target) touched.
        var signature = await Signing.ManifestSignatures.CheckAsync(store, entry, trusted, cancellationToken).ConfigureAwait(false);
        if (manifest.Method == "logical" && request.Mode == RedisRestoreMode.ReplaceLocal)
        {
            throw BackupOpsException.InvalidInput("RedisRestoreModeInvalid", $"Snapshot {manifest.BackupId} is a logical export; restore it into a sandbox or with -Mode IntoServer.");
        }

        if (manifest.Method == "rdb" && request.Mode == RedisRestoreMode.IntoServer)
        {
            throw BackupOpsException.InvalidInput("RedisRestoreModeInvalid", $"Snapshot {manifest.BackupId} is an RDB file; restore it into a sandbox or, on the server's host, with -Mode ReplaceLocal.");
        }

        // 1. Verify everything before any server is touched; what the bytes showed is recorded for status and prune.
        VerifiedSource source;
        try
        {
            source = await VerifiedSource.AcquireAsync(store, manifest, request.TempDirectory, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Manifest.ManifestChecksum.ProblemOf(ex) is { } damage)
        {
            await Verification.BackupVerifier.RecordAsync(store, BackupKind.Redis, entry, "restore", damage, request.Reporting?.OnWarning).ConfigureAwait(false);
            throw;
        }

        using var verified = source;
        await Verification.BackupVerifier.RecordAsync(store, BackupKind.Redis, entry, "restore", null, request.Reporting?.OnWarning).ConfigureAwait(false);
        var checks = new List<RestoreCheck>
        {
            new("sha256", CheckOutcome.Passed, manifest.Sha256),
            new("signature", signature.Verified ? CheckOutcome.Passed : CheckOutcome.Warning, signature.Description),
        };
        if (manifest.Method == "rdb")
        {
            var summary = await RdbCheck.RunAsync(source.FilePath, cancellationToken).ConfigureAwait(false);
            checks.Add(new RestoreCheck("redis-check-rdb", CheckOutcome.Passed, $"{summary.TotalKeys} keys, written by Redis {summary.RedisVersion}"));
        }

        // 2. Restore.
        var clock = Stopwatch.StartNew();
        RedisSandbox? sandbox = null;
        try
        {
            RedisConnectionSettings restored;
            switch (request.Mode)
            {
                case RedisRestoreMode.ReplaceLocal:
                    await LocalServerReplacer.ReplaceAsync(request.Target!, source.FilePath, manifest.BackupId, cancellationToken).ConfigureAwait(false);
                    restored = request.Target!;
                    break;
                case RedisRestoreMode.IntoServer:
                    await ImportAsync(request.Target!, source.FilePath, request.Replace, cancellationToken).ConfigureAwait(false);
                    restored = request.Target!;
                    break;
                default:
                    var directory = RedisSandbox.CreateDirectory(request.TempDirectory);
                    if (manifest.Method == "rdb")
                    {
                        File.Copy(source.FilePath, Path.Combine(directory, "dump.rdb"));
                        Wal.PrivateFiles.Restrict(Path.Combine(directory, "dump.rdb"));
                    }

                    progress?.Report(new OperationProgress($"Restoring {manifest.Database} {manifest.BackupId}", "starting sandbox redis-server", 0, null, 0));
                    sandbox = await RedisSandbox.StartAsync(directory, cancellationToken).ConfigureAwait(false);
                    sandbox.KeepRunning = request.KeepRunning;
                    restored = sandbox.Connection;
                    if (manifest.Method == "logical")
                    {
                        await ImportAsync(restored, source.FilePath, replace: false, cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }

            var restoreDuration = clock.Elapsed;

            // 3. Validate.
            using (var session = await RedisConnector.ConnectAsync(restored).ConfigureAwait(false))
            {
                checks.AddRange(await RedisValidator.ValidateAsync(session, manifest, request.Database, request.ExpectKeys, request.Queues).ConfigureAwait(false));
            }

            return new RedisRestoreResult
            {
                SnapshotId = manifest.BackupId,
                Source = manifest.Database,
                Mode = request.Mode,
                Endpoint = restored.Display,
                KeptRunning = sandbox is not null && request.KeepRunning,
                SandboxDirectory = sandbox is not null && request.KeepRunning ? sandbox.Directory : null,
                PasswordFile = sandbox is not null && request.KeepRunning ? sandbox.PasswordFile : null,
                DownloadDuration = source.Duration,
                RestoreDuration = restoreDuration,
                Checks = checks,
            };
        }
        finally
        {
            if (sandbox is not null)
            {
                await sandbox.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task ImportAsync(RedisConnectionSettings target, string path, bool replace, CancellationToken cancellationToken)
    {
        var redactor = new SecretRedactor();
        target.RegisterSecrets(redactor);
        using var session = await RedisConnector.ConnectAsync(target).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        try
        {
            await LogicalExport.ImportAsync(session.Connection, file, replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYKEY", StringComparison.Ordinal))
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "RedisKeyExists", $"A key in the snapshot already exists in {target.Display}. Restore into an empty server, or pass -Replace / --replace to overwrite existing keys.");
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            throw RedisConnector.Translate(ex, target, redactor);
        }
    }

    private static Task<CatalogEntry<RedisSnapshotManifest>> ResolveAsync(IBackupStore store, RedisRestoreRequest request, CancellationToken cancellationToken) =>
        request.Latest
            ? BackupCatalog.FindLatestAsync<RedisSnapshotManifest>(store, BackupKind.Redis, request.SourceName!, cancellationToken, request.Reporting?.OnWarning)
            : BackupCatalog.FindAsync<RedisSnapshotManifest>(store, BackupKind.Redis, request.SnapshotId!, request.SourceName, cancellationToken);
}
