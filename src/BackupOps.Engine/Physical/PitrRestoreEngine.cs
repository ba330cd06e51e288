using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Engine.Physical;

/// <summary>
/// Point-in-time recovery: pick the newest base backup that ends before the target, prove the archive holds every
/// segment from it to the target (refusing, with the gap named, before anything is extracted), extract it into a
/// new data directory while its SHA-256 is checked, write the recovery settings, start PostgreSQL on it (or leave the
/// folder for the operator), wait until recovery reaches the target and the server is promoted, validate, and report
/// the moment actually recovered to and how long each step took. On failure nothing that looks like a restored server
/// is left.
/// </summary>
public static class PitrRestoreEngine
{
    /// <summary>Runs the recovery.</summary>
    public static Task<PitrRestoreResult> RunAsync(PitrRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = new Health.RunContext(request.Store, request.S3, BackupKind.PostgresBase.Name, request.Cluster, "restore", request.Reporting ?? Health.RunReporting.FromEnvironment());
        return Health.RunTracker.TrackAsync(context, () => RunCoreAsync(request, progress, cancellationToken), r => new Health.RunSummary(r.Succeeded, null, r.BaseBackupId, r.Succeeded ? null : "validation failed"), cancellationToken);
    }

    private static async Task<PitrRestoreResult> RunCoreAsync(PitrRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        var trusted = Signing.SigningKeys.LoadTrusted(request.TrustedKeyFiles);
        var steps = new List<PitrStep>();
        var clock = Stopwatch.StartNew();
        var activity = $"Recovering {request.Cluster}";
        var target = request.TargetTime is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture) : "latest";
        await using var store = StoreLocation.Open(request.Store, request.S3);
        progress?.Report(new OperationProgress(activity, "choosing a base backup", 0, null, 0));
        var backup = await ChooseBackupAsync(store, request, cancellationToken).ConfigureAwait(false);

        // A required signature is proven before any data directory is prepared or anything downloaded.
        var signature = await Signing.ManifestSignatures.CheckAsync(store, backup, trusted, cancellationToken).ConfigureAwait(false);
        steps.Add(Step("check signature", clock, signature.Description));
        steps.Add(Step("select base backup", clock, $"{backup.BackupId} (ended {backup.Manifest.StopTimeUtc:yyyy-MM-dd HH:mm:ss} UTC, {backup.Manifest.StartWalSegment}..{backup.Manifest.StopWalSegment})"));

        var chain = await WalChain.LoadAsync(new WalArchive(store, request.Cluster), request.IdentityFile, cancellationToken).ConfigureAwait(false);
        var walk = CheckChain(chain, backup.Manifest, request.TargetTime);
        steps.Add(Step("check WAL chain", clock, $"{walk.Segments.Count} segment(s) on timeline {walk.Timeline} archived, {walk.Segments[0].Name}..{walk.Segments[^1].Name}"));

        var manageServer = request.DataDirectory is null;
        var root = manageServer ? VerifiedSource.CreateTempDirectory(request.TempDirectory, Leftovers.TempLeftovers.RecoveryPurposePrefix + backup.BackupId) : null;
        var dataDirectory = root is null ? PrepareDataDirectory(request.DataDirectory!, request.Force) : Path.Combine(root, "data");
        var createdDirectory = !Directory.Exists(dataDirectory);
        RecoveredServer? server = null;
        var keep = false;
        try
        {
            Wal.PrivateFiles.CreateDirectory(dataDirectory);
            progress?.Report(new OperationProgress(activity, $"extracting {backup.BackupId}", 0, backup.Manifest.SizeBytes, 0));
            var files = await ExtractAsync(store, backup.Manifest, dataDirectory, request.IdentityFile, progress, activity, cancellationToken).ConfigureAwait(false);
            steps.Add(Step("download + extract", clock, $"{files} files, sha256 verified"));

            var envFile = await WriteRecoverySettingsAsync(request, dataDirectory, root, cancellationToken).ConfigureAwait(false);
            if (!manageServer)
            {
                if (RecoveredServer.AsRoot)
                {
                    await ChownAsync(dataDirectory, envFile).ConfigureAwait(false);
                }

                keep = true;
                steps.Add(Step("recovery settings", clock, $"recovery.signal and postgresql.auto.conf written in {dataDirectory}"));
                return new PitrRestoreResult
                {
                    Cluster = request.Cluster,
                    BaseBackupId = backup.BackupId,
                    Target = target,
                    Timeline = walk.Timeline,
                    WalSegments = walk.Segments.Count,
                    DataDirectory = dataDirectory,
                    Steps = steps,
                    Checks = [new RestoreCheck("recovery", CheckOutcome.Warning, $"not run: start PostgreSQL {backup.Manifest.ServerVersion} on {dataDirectory}; it replays WAL to {target} and promotes{(envFile is null ? string.Empty : $"; then delete {envFile}")}")],
                };
            }

            server = await RecoveredServer.PrepareAsync(root!, Tools.PgToolLocator.ParseMajor(backup.Manifest.ServerVersion + ".0"), cancellationToken).ConfigureAwait(false);
            progress?.Report(new OperationProgress(activity, $"replaying WAL to {target}", 0, null, 0));
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            await Diagnostics.TestHooks.PauseAsync("pitr:replaying", cancellationToken).ConfigureAwait(false);
            var role = backup.Manifest.User ?? "postgres";
            await server.WaitForPromotionAsync(role, request.RecoveryTimeout, cancellationToken).ConfigureAwait(false);
            var superuser = await server.SuperuserAsync(role, cancellationToken).ConfigureAwait(false);
            var recoveredTo = await server.RecoveredToAsync(superuser, cancellationToken).ConfigureAwait(false);
            steps.Add(Step("recovery", clock, recoveredTo is { } r ? $"replayed to {r:yyyy-MM-dd HH:mm:ss.ffffff} UTC, promoted" : "promoted (no transaction was replayed)"));

            progress?.Report(new OperationProgress(activity, "validating", 0, null, 0));
            var checks = await RestoreValidator.ValidateAsync(server.SocketConnection(superuser, request.Database), null, request.CriticalTables, request.SmokeQueries, cancellationToken).ConfigureAwait(false);
            checks.RemoveAll(c => c.Name == "schema" && c.Outcome == CheckOutcome.Warning);
            checks.Insert(0, new RestoreCheck("base backup sha256", CheckOutcome.Passed, $"{backup.Manifest.Sha256} ({backup.Manifest.SizeBytes} bytes)"));
            checks.Insert(1, TargetCheck(request.TargetTime, recoveredTo, walk));
            steps.Add(Step("validation", clock, $"{checks.Count(c => c.Outcome == CheckOutcome.Passed)} passed, {checks.Count(c => c.Outcome == CheckOutcome.Failed)} failed"));
            keep = request.KeepRunning;
            return new PitrRestoreResult
            {
                Cluster = request.Cluster,
                BaseBackupId = backup.BackupId,
                Target = target,
                Timeline = walk.Timeline,
                RecoveredToUtc = recoveredTo,
                WalSegments = walk.Segments.Count,
                DataDirectory = keep ? dataDirectory : null,
                Endpoint = keep ? $"postgresql://{superuser}@127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/{request.Database}" : null,
                StopCommand = keep ? server.StopCommand : null,
                Steps = steps,
                Checks = checks,
            };
        }
        finally
        {
            if (!keep)
            {
                if (server is not null)
                {
                    await server.StopAsync().ConfigureAwait(false);
                }

                if (root is not null)
                {
                    VerifiedSource.DeleteQuietly(root);
                }
                else
                {
                    EmptyQuietly(dataDirectory, createdDirectory);
                }
            }
            else if (server is not null && !request.KeepRunning)
            {
                await server.StopAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<CatalogEntry<BaseBackupManifest>> ChooseBackupAsync(IBackupStore store, PitrRestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.BaseBackupId is { } id)
        {
            var chosen = await BackupCatalog.FindAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, id, request.Cluster, cancellationToken).ConfigureAwait(false);
            return request.TargetTime is { } t && chosen.Manifest.StopTimeUtc >= t
                ? throw new BackupOpsException(BackupOpsErrorKind.InvalidInput, "PitrTargetBeforeBackup", $"Base backup {id} ended at {chosen.Manifest.StopTimeUtc:yyyy-MM-dd HH:mm:ss} UTC, after the target {t.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC. Pick an older base backup or leave -BackupId / --backup-id out.") { Target = id }
                : chosen;
        }

        var listing = await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, new BackupCatalog.Filter(request.Cluster), cancellationToken).ConfigureAwait(false);
        var candidates = listing.Backups.Where(b => request.TargetTime is not { } target || b.Manifest.StopTimeUtc < target).ToList();
        if (candidates.Count > 0)
        {
            return candidates.OrderByDescending(b => b.Manifest.StopTimeUtc).First();
        }

        throw listing.Backups.Count == 0
            ? new BackupOpsException(BackupOpsErrorKind.NotFound, "NoBaseBackupFound", $"There is no valid base backup of cluster '{request.Cluster}' in {store.Display}. Take one with Invoke-PgBaseBackup / 'backupops pg basebackup --cluster {request.Cluster}'.") { Target = request.Cluster }
            : new BackupOpsException(BackupOpsErrorKind.InvalidInput, "PitrTargetBeforeBackup", $"The target {request.TargetTime!.Value.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC is before the oldest base backup of '{request.Cluster}', which ended at {listing.Backups.Min(b => b.Manifest.StopTimeUtc):yyyy-MM-dd HH:mm:ss} UTC. The recoverable window starts there (Test-PgWalArchive / 'backupops pg wal verify' shows it).") { Target = request.Cluster };
    }

    /// <summary>The pre-check: every segment from the backup's start to the target archived, or a refusal naming the gap.</summary>
    internal static WalChainWalk CheckChain(WalChain chain, BaseBackupManifest backup, DateTimeOffset? targetTime)
    {
        var walk = chain.Walk(backup.Timeline, WalFileName.ParseLsn(backup.StartLsn), backup.StopWalSegment, targetTime);
        var missing = walk.Missing;
        if (missing.Count > 0)
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "WalGap", $"The archive of '{chain.Archive.Cluster}' is missing WAL {WalChainWalk.DescribeGaps(missing, chain.Identity.WalSegmentSize)}, which recovery from base backup {backup.BackupId} to {(targetTime is null ? "the latest point" : "the target")} needs. Nothing was restored. Recover to a time before the gap, or from a base backup taken after it (Test-PgWalArchive / 'backupops pg wal verify' shows the recoverable window).") { Target = missing[0] };
        }

        if (targetTime is { } target && !walk.ReachedTarget)
        {
            var last = walk.Last;
            throw new BackupOpsException(BackupOpsErrorKind.InvalidInput, "PitrTargetBeyondArchive", $"The target {target.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC is past the end of the archive of '{chain.Archive.Cluster}': its last segment {last?.Name.Name} was archived at {last?.ArchivedUtc:yyyy-MM-dd HH:mm:ss} UTC. Nothing was restored. Use -Latest / --to-latest, or an earlier time (WAL after that is still on the server: pg_switch_wal() archives it).") { Target = last?.Name.Name };
        }

        return walk;
    }

    private static async Task<int> ExtractAsync(IBackupStore store, BaseBackupManifest manifest, string dataDirectory, string? identityFile, IProgress<OperationProgress>? progress, string activity, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var raw = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
        var hashing = new HashingReadStream(raw, done => progress?.Report(new OperationProgress(activity, $"extracting {manifest.BackupId}", done, manifest.SizeBytes, done / Math.Max(clock.Elapsed.TotalSeconds, 0.001))));
        await using var hashingOwner = hashing;
        Tools.ChildProcess? decrypt = null;
        Task? feed = null;
        Stream plain = hashing;
        if (manifest.Encryption is not null)
        {
            if (identityFile is null)
            {
                throw BackupOpsException.InvalidInput("AgeIdentityMissing", $"Base backup {manifest.BackupId} is age-encrypted. Pass the identity file with -IdentityFile / --identity.");
            }

            decrypt = Tools.ProcessRunner.Start(Tools.AgeTool.Find(), Tools.AgeTool.DecryptArguments(identityFile), null, new SecretRedactor(), redirectInput: true);
            feed = PumpAsync(hashing, decrypt.Input, cancellationToken);
            plain = decrypt.Output;
        }

        try
        {
            var tar = manifest.Codec == "zstd" ? new ZstdSharp.DecompressionStream(plain, 1 << 20, leaveOpen: true) : plain;
            await using (tar.ConfigureAwait(false))
            {
                var files = await TarExtractor.ExtractAsync(tar, dataDirectory, cancellationToken).ConfigureAwait(false);
                if (feed is not null)
                {
                    await plain.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                    await feed.ConfigureAwait(false);
                    await decrypt!.WaitForSuccessAsync("AgeDecryptFailed", $"Decrypting base backup {manifest.BackupId}", cancellationToken).ConfigureAwait(false);
                }

                var sha256 = await hashing.FinishAsync(cancellationToken).ConfigureAwait(false);
                Manifest.ManifestChecksum.Verify(manifest, sha256, hashing.BytesRead);
                return files;
            }
        }
        finally
        {
            if (decrypt is not null)
            {
                await decrypt.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await to.DisposeAsync().ConfigureAwait(false);
        }
    }

    // recovery.signal plus the recovery settings in postgresql.auto.conf (read last, so they win), and the store
    // credentials restore_command needs in a 0600 file beside the data directory rather than in the server's environment.
    private static async Task<string?> WriteRecoverySettingsAsync(PitrRestoreRequest request, string dataDirectory, string? root, CancellationToken cancellationToken)
    {
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        var isS3 = (request.Store ?? StoreLocation.DefaultSpec).Contains("://", StringComparison.Ordinal);
        string? envFile = null;
        if (isS3)
        {
            envFile = root is null ? Path.GetFullPath(dataDirectory).TrimEnd('/') + ".backupops-restore.env" : Path.Combine(root, "restore.env");
            var lines = new List<string>();
            void Add(string name, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    lines.Add($"{name}={value}");
                }
            }

            Add("AWS_ENDPOINT_URL", s3.Endpoint);
            Add("AWS_REGION", s3.Region);
            Add("AWS_ACCESS_KEY_ID", s3.AccessKey);
            Add("AWS_SECRET_ACCESS_KEY", s3.SecretKey);
            Add("R2_ACCOUNT_ID", s3.R2AccountId);
            Add("BACKUPOPS_SSE_C_KEY", s3.CustomerKey);
            Add("BACKUPOPS_S3_PROVIDER", s3.Provider.ToString().ToLowerInvariant());
            await Wal.PrivateFiles.WriteDurablyAsync(envFile, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), cancellationToken).ConfigureAwait(false);
        }

        var store = request.Store ?? StoreLocation.DefaultSpec;
        var fetch = request.FetchCommand.Select(ShellQuote).Concat(["pg", "wal", "fetch", "%f", "%p", "--cluster", ShellQuote(request.Cluster), "--store", ShellQuote(isS3 ? store : Path.GetFullPath(store))]);
        if (request.IdentityFile is { } identity)
        {
            fetch = fetch.Concat(["--identity", ShellQuote(Path.GetFullPath(identity))]);
        }

        if (envFile is not null)
        {
            fetch = fetch.Concat(["--env-file", ShellQuote(envFile)]);
        }

        var settings = new List<string>
        {
            string.Empty,
            $"# Point-in-time recovery by BackupOps {ToolInfo.Version} ({DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)",
            $"restore_command = {ConfQuote(string.Join(' ', fetch))}",
            "recovery_target_timeline = 'latest'",
            "recovery_target_action = 'promote'",
            "# Off so this copy cannot write a new timeline into the production archive; remove it (and run",
            "# 'backupops pg wal setup --check') only when this server replaces the primary.",
            "archive_mode = 'off'",
        };
        if (request.TargetTime is { } time)
        {
            settings.Insert(3, $"recovery_target_time = '{time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00'");
        }

        await File.AppendAllLinesAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"), settings, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "recovery.signal"), string.Empty, cancellationToken).ConfigureAwait(false);
        File.Delete(Path.Combine(dataDirectory, "standby.signal"));
        if (!File.Exists(Path.Combine(dataDirectory, "postgresql.conf")))
        {
            // Debian keeps postgresql.conf in /etc: the backup has none, and PostgreSQL will not start without one.
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, "postgresql.conf"), "# written by BackupOps: the source kept its configuration outside the data directory\n", cancellationToken).ConfigureAwait(false);
        }

        if (!File.Exists(Path.Combine(dataDirectory, "pg_hba.conf")))
        {
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, "pg_hba.conf"), "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n", cancellationToken).ConfigureAwait(false);
        }

        return envFile;
    }

    private static RestoreCheck TargetCheck(DateTimeOffset? target, DateTimeOffset? recoveredTo, WalChainWalk walk)
    {
        if (target is { } t)
        {
            return recoveredTo is { } r && r <= t
                ? new RestoreCheck("recovery target", CheckOutcome.Passed, $"recovered to {r:yyyy-MM-dd HH:mm:ss.ffffff} UTC, {(t - r).TotalSeconds:0.###} s before the target {t.ToUniversalTime():yyyy-MM-dd HH:mm:ss.ffffff} UTC")
                : recoveredTo is null
                    ? new RestoreCheck("recovery target", CheckOutcome.Warning, "no transaction was replayed after the base backup")
                    : new RestoreCheck("recovery target", CheckOutcome.Failed, $"recovered to {recoveredTo:yyyy-MM-dd HH:mm:ss.ffffff} UTC, past the target {t.ToUniversalTime():yyyy-MM-dd HH:mm:ss.ffffff} UTC");
        }

        return new RestoreCheck("recovery target", CheckOutcome.Passed, $"end of the archive: {walk.Last?.Name.Name} (archived {walk.Last?.ArchivedUtc:yyyy-MM-dd HH:mm:ss} UTC){(recoveredTo is { } at ? $", last transaction {at:yyyy-MM-dd HH:mm:ss.ffffff} UTC" : string.Empty)}");
    }

    private static string PrepareDataDirectory(string directory, bool force)
    {
        var full = Path.GetFullPath(directory);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            if (File.Exists(Path.Combine(full, "postmaster.pid")))
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "DataDirectoryInUse", $"{full} holds a postmaster.pid: a server may be running there. Stop it first; BackupOps never recovers over a running server.") { Target = full };
            }

            if (!force)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "DataDirectoryNotEmpty", $"{full} is not empty. Recover into a new folder, or pass -Force / --force to replace what is there.") { Target = full };
            }

            EmptyQuietly(full, createdDirectory: false);
        }

        return full;
    }

    private static void EmptyQuietly(string directory, bool createdDirectory)
    {
        try
        {
            if (createdDirectory)
            {
                Directory.Delete(directory, recursive: true);
                return;
            }

            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo d)
                {
                    d.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // reported by the caller's error; nothing more can be done here
        }
    }

    private static async Task ChownAsync(string dataDirectory, string? envFile)
    {
        var paths = new List<string> { "-R", "postgres:postgres", dataDirectory };
        if (envFile is not null)
        {
            paths.Add(envFile);
        }

        await using var chown = Tools.ProcessRunner.Start(new Tools.ExternalTool("chown", "/bin/chown", string.Empty, 0), paths, null, new SecretRedactor());
        await chown.WaitForSuccessAsync("ChownFailed", $"Handing {dataDirectory} to the postgres user", CancellationToken.None).ConfigureAwait(false);
    }

    private static PitrStep Step(string name, Stopwatch clock, string detail)
    {
        var step = new PitrStep(name, Math.Round(clock.Elapsed.TotalSeconds, 3), detail);
        clock.Restart();
        return step;
    }

    private static string ShellQuote(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or ':' or '%' or '=' or '+' or '@') ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ConfQuote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
