using System.Diagnostics;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Leftovers;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;
using BackupOps.Engine.Verification;

namespace BackupOps.Engine.Restore;

/// <summary>
/// Restores a backup into a database and validates it. Order matters: the target is inspected (and a non-empty
/// one refused without force) before any download; the restore runs into a scratch database while the backup's
/// SHA-256 is computed over the same bytes; only a restore whose bytes matched the manifest and whose pg_restore
/// succeeded replaces the target (drop, then rename). Anything else drops the scratch database, so nothing that
/// looks restored is left behind and an existing target is never touched by a failed restore.
/// </summary>
public static class PgRestoreEngine
{
    /// <summary>Checks what a restore would do without changing anything: the backup exists and the target's state.</summary>
    public static async Task<string> DescribeAsync(PgRestoreRequest request, CancellationToken cancellationToken) =>
        (await PlanAsync(request, cancellationToken).ConfigureAwait(false)).Description;

    /// <summary>What a restore would do to its target, for confirmations: the description and whether a non-empty database would be replaced.</summary>
    public static async Task<PgRestorePlan> PlanAsync(PgRestoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var (entry, store, signature) = await ResolveAsync(request, cancellationToken).ConfigureAwait(false);
        if (store is not null)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }

        var targetName = request.TargetDatabase ?? DefaultTargetName(entry?.Database ?? Path.GetFileNameWithoutExtension(request.Path!));
        var objects = await new TargetDatabase(request.TargetServer, targetName).CountUserObjectsAsync(cancellationToken).ConfigureAwait(false);
        var state = objects switch
        {
            null => "does not exist and would be created",
            0 => "exists and is empty",
            _ when request.Force => $"holds {objects} objects and would be REPLACED (-Force) once the restore into a scratch database has succeeded",
            _ => $"holds {objects} objects: the restore would be refused without -Force",
        };
        return new PgRestorePlan(
            $"restore {entry?.BackupId ?? request.Path} ({signature.Description}) into {targetName} on {request.TargetServer.Host}:{request.TargetServer.Port}: target {state}",
            targetName,
            ReplacesExisting: objects > 0 && request.Force);
    }

    /// <summary>Restores and validates; throws on bad input, integrity failure or restore failure. Leaves a run record either way.</summary>
    public static Task<PgRestoreResult> RunAsync(PgRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.SourceDatabase ?? request.TargetDatabase ?? "file";
        if (request.Path is null)
        {
            // A restore reads the store: a missing folder is a mistyped path, refused before a run record would create it.
            StoreLocation.RequireExistingFolder(request.Store);
        }

        var context = new Health.RunContext(request.Path is null ? request.Store : null, request.S3, BackupKind.Postgres.Name, source, "restore", request.Reporting ?? Health.RunReporting.FromEnvironment());
        return Health.RunTracker.TrackAsync(
            context,
            () => RunCoreAsync(request, progress, cancellationToken),
            r => new Health.RunSummary(r.Succeeded, r.SizeBytes, r.BackupId, r.Succeeded ? null : string.Join("; ", r.Checks.Where(c => c.Outcome == CheckOutcome.Failed).Select(c => $"{c.Name}: {c.Detail}"))),
            cancellationToken);
    }

    private static async Task<PgRestoreResult> RunCoreAsync(PgRestoreRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        request.Validate();
        var redactor = new SecretRedactor();
        request.TargetServer.RegisterSecrets(redactor);
        request.S3?.RegisterSecrets(redactor);

        // The signature (when trusted keys are given) is proven here, before the target server is even asked about.
        var (entry, store, signature) = await ResolveAsync(request, cancellationToken).ConfigureAwait(false);
        await using (store)
        {
            var manifest = entry?.Manifest;
            var targetName = request.TargetDatabase ?? DefaultTargetName(manifest?.Database ?? Path.GetFileNameWithoutExtension(request.Path!));
            var target = new TargetDatabase(request.TargetServer, targetName);
            var activity = $"Restoring into {targetName}";

            // 1. Refuse a non-empty target before spending time on a download.
            var existing = await target.CountUserObjectsAsync(cancellationToken).ConfigureAwait(false);
            if (existing > 0 && !request.Force)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "TargetNotEmpty", $"The target database '{targetName}' on {request.TargetServer.Host}:{request.TargetServer.Port} is not empty ({existing} objects). Restore into a new database (-TargetDatabase / --target-database) or pass -Force / --force to drop and replace it.") { Target = targetName };
            }

            if (manifest?.Encryption is not null && request.IdentityFile is null)
            {
                throw BackupOpsException.InvalidInput("IdentityFileRequired", $"Backup {manifest.BackupId} is encrypted with age. Pass the identity file with -IdentityFile / --identity.");
            }

            // Leftovers of earlier interrupted restores of this target are reported (prune removes them), never touched here.
            var warn = request.Reporting?.OnWarning;
            await ReportLeftoversAsync(request.TargetServer, targetName, request.TempDirectory, warn, cancellationToken).ConfigureAwait(false);

            // 2. Restore into a scratch database while the bytes are verified; the target is replaced only by a
            //    restore whose SHA-256 matched and whose pg_restore succeeded, so a damaged backup or a failed
            //    restore never touches it, even with -Force.
            var (scratchName, replacedName) = LeftoverDatabases.NamesFor(targetName);
            var scratch = new TargetDatabase(request.TargetServer, scratchName);
            var backupName = manifest?.BackupId ?? Path.GetFileName(request.Path!);
            if (Health.RunTracker.Current is { } run)
            {
                await run.AnnotateAsync("targetServer", $"{request.TargetServer.Host}:{request.TargetServer.Port}").ConfigureAwait(false);
                await run.AnnotateAsync(LeftoverDatabases.ScratchDetail, scratchName).ConfigureAwait(false);
                if (existing is not null)
                {
                    await run.AnnotateAsync(LeftoverDatabases.ReplacedDetail, replacedName).ConfigureAwait(false);
                }
            }

            progress?.Report(new OperationProgress(activity, $"creating {scratch.Name}", 0, null, 0));
            await scratch.CreateAsync(LeftoverDatabases.ScratchComment(backupName, manifest?.Database, targetName), () => Diagnostics.TestHooks.PauseAsync("restore:created", CancellationToken.None), cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var bytesDuration = TimeSpan.Zero;
            try
            {
                var command = CommandFor(request, manifest, scratch.Name, redactor);
                if (manifest is not null)
                {
                    bytesDuration = await VerifiedRestore.RunAsync(store!, manifest, command, request.Jobs, request.IdentityFile, request.TempDirectory, progress, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    progress?.Report(new OperationProgress(activity, $"pg_restore --jobs {request.Jobs}", 0, null, 0));
                    await RestoreFileAsync(request, command, cancellationToken).ConfigureAwait(false);
                }

                await Diagnostics.TestHooks.PauseAsync("restore:verified", cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception ex)
            {
                if (entry is not null && ManifestChecksum.ProblemOf(ex) is { } damage)
                {
                    await BackupVerifier.RecordAsync(store!, BackupKind.Postgres, entry, "restore", damage, warn).ConfigureAwait(false);
                }

                await DropScratchOrRethrowAsync(scratch, ex).ConfigureAwait(false);
                throw;
            }

            if (entry is not null)
            {
                await BackupVerifier.RecordAsync(store!, BackupKind.Postgres, entry, "restore", null, warn).ConfigureAwait(false);
            }

            // 3. Swap it in: one transaction renames the old target aside and the new one in (not cancellable: it
            //    takes milliseconds, and half a swap is what must never happen), then the old one is dropped.
            progress?.Report(new OperationProgress(activity, $"renaming {scratch.Name} to {targetName}", 0, null, 0));
            try
            {
                await scratch.SwapInAsync(
                    targetName,
                    existing is not null,
                    replacedName,
                    LeftoverDatabases.RestoredComment(backupName, manifest?.Database),
                    LeftoverDatabases.ReplacedComment(backupName, targetName),
                    () => Diagnostics.TestHooks.PauseAsync("restore:swapping", CancellationToken.None)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await DropScratchOrRethrowAsync(scratch, ex).ConfigureAwait(false);
                throw;
            }

            await Diagnostics.TestHooks.PauseAsync("restore:swapped", CancellationToken.None).ConfigureAwait(false);
            if (existing is not null)
            {
                try
                {
                    await new TargetDatabase(request.TargetServer, replacedName).DropAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (BackupOpsException ex)
                {
                    warn?.Invoke($"the previous {targetName} was kept as {replacedName} ({ex.ErrorId}: {ex.Message}); drop it once the restored {targetName} is confirmed, or let prune remove it (--database-url for backupops pg prune)");
                }
            }

            var created = existing is null;
            var checks = new List<RestoreCheck>
            {
                manifest is null
                    ? new RestoreCheck("sha256", CheckOutcome.Warning, "file restore without a manifest: no recorded SHA-256 to verify")
                    : new RestoreCheck("sha256", CheckOutcome.Passed, manifest.Sha256),
                new RestoreCheck("signature", signature.Verified ? CheckOutcome.Passed : CheckOutcome.Warning, signature.Description),
            };
            var restoreDuration = clock.Elapsed;
            clock.Restart();
            progress?.Report(new OperationProgress(activity, "validating", 0, null, 0));
            checks.AddRange(await RestoreValidator.ValidateAsync(request.TargetServer.WithDatabase(targetName), manifest, request.CriticalTables, request.SmokeQueries, cancellationToken).ConfigureAwait(false));
            return new PgRestoreResult
            {
                BackupId = manifest?.BackupId ?? Path.GetFileName(request.Path!),
                SourceDatabase = manifest?.Database,
                TargetDatabase = targetName,
                TargetServer = $"{request.TargetServer.Host}:{request.TargetServer.Port}",
                CreatedDatabase = created,
                SizeBytes = manifest?.SizeBytes ?? new FileInfo(request.Path!).Length,
                DownloadDuration = bytesDuration,
                RestoreDuration = restoreDuration,
                ValidationDuration = clock.Elapsed,
                Checks = checks,
            };
        }
    }

    // The scratch database is dropped on every failure; if even that fails, the first error says what was left.
    private static async Task DropScratchOrRethrowAsync(TargetDatabase scratch, Exception first)
    {
        try
        {
            await scratch.DropAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (BackupOpsException dropError)
        {
            throw Failures.WithLeftBehind(first, $"the scratch database {scratch.Name} (an unfinished restore, safe to drop) could not be dropped ({dropError.ErrorId})");
        }
    }

    private static async Task ReportLeftoversAsync(PgConnectionSettings server, string target, string? tempDirectory, Action<string>? warn, CancellationToken cancellationToken)
    {
        if (warn is null)
        {
            return;
        }

        foreach (var leftover in await LeftoverDatabases.ListAsync(server, target, null, cancellationToken).ConfigureAwait(false))
        {
            warn($"found a leftover of an interrupted restore: {LeftoverDatabases.Describe(leftover)}. Prune removes those older than a day (--database-url for backupops pg prune).");
        }

        foreach (var folder in TempLeftovers.List(tempDirectory).Where(t => !t.OwnerRunning))
        {
            warn($"found a leftover temporary folder: {TempLeftovers.Describe(folder)}. The CLI's pg prune removes those older than a day (Remove-PgBackup does not look at temporary folders).");
        }
    }

    /// <summary>The default target: never the source database itself (seed: <c>monotickets_restore</c>).</summary>
    public static string DefaultTargetName(string sourceDatabase) => sourceDatabase + "_restore";

    private static async Task<(CatalogEntry<BackupManifest>? Entry, IBackupStore? Store, Signing.SignatureCheck Signature)> ResolveAsync(PgRestoreRequest request, CancellationToken cancellationToken)
    {
        var trusted = Signing.SigningKeys.LoadTrusted(request.TrustedKeyFiles);
        var (entry, store) = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry is null)
            {
                // A file without a manifest has nothing signed: with a signature required it is refused, not trusted blindly.
                return trusted is null
                    ? (null, store, Signing.SignatureCheck.None with { Description = "unsigned (a file without a manifest)" })
                    : throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, Signing.ManifestSignatures.MissingErrorId, $"'{Security.BoundedInput.Shown(request.Path)}' has no manifest beside it, so it carries no signature, and a signature is required by the trusted key(s) given. Nothing was restored; restore a signed backup from its store, or leave out -TrustedKey / --trusted-key (and {Signing.SigningKeys.TrustedKeysVariable}) to restore it unchecked.") { Target = request.Path };
            }

            return (entry, store, await Signing.ManifestSignatures.CheckAsync(store!, entry, trusted, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static async Task<(CatalogEntry<BackupManifest>? Entry, IBackupStore? Store)> FindAsync(PgRestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.Path is not null)
        {
            var path = System.IO.Path.GetFullPath(request.Path);
            if (!File.Exists(path))
            {
                throw BackupOpsException.InvalidInput("RestoreFileMissing", $"The file '{request.Path}' does not exist.");
            }

            // A BackupOps data file in a folder store: use the store so the manifest and hash apply.
            var id = Backup.BackupKeys.BackupIdOf(path);
            var databaseDir = System.IO.Path.GetDirectoryName(path)!;
            if (id is not null && File.Exists(System.IO.Path.Combine(databaseDir, id + Backup.BackupKeys.ManifestSuffix)))
            {
                var storeRoot = System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(databaseDir))!;
                IBackupStore folder = new LocalDirectoryStore(storeRoot);
                return (await BackupCatalog.FindAsync(folder, id, null, cancellationToken).ConfigureAwait(false), folder);
            }

            return (null, null);
        }

        var store = StoreLocation.OpenExisting(request.Store, request.S3); // a missing folder is StoreNotFound, not "no backup"
        try
        {
            if (request.Latest)
            {
                return (await BackupCatalog.FindLatestAsync<BackupManifest>(store, BackupKind.Postgres, request.SourceDatabase!, cancellationToken, request.Reporting?.OnWarning).ConfigureAwait(false), store);
            }

            return (await BackupCatalog.FindAsync(store, request.BackupId!, request.SourceDatabase, cancellationToken).ConfigureAwait(false), store);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static PgRestoreInvocation CommandFor(PgRestoreRequest request, BackupManifest? manifest, string databaseName, SecretRedactor redactor)
    {
        var pgRestore = PgToolLocator.Find("pg_restore", PgToolLocator.ParseMajor(manifest?.PgDumpVersion ?? string.Empty));
        var arguments = new List<string> { "--exit-on-error", "--no-password", $"--host={request.TargetServer.Host}", $"--port={request.TargetServer.Port}", $"--dbname={databaseName}" };
        if (!request.PreserveOwnership)
        {
            arguments.Add("--no-owner");
            arguments.Add("--no-privileges");
        }

        return new PgRestoreInvocation(pgRestore, arguments, ChildEnvironment.ForLibpq(request.TargetServer.WithDatabase(databaseName)), redactor, databaseName);
    }

    /// <summary>A file without a manifest: a plain or zstd-compressed custom-format dump, or a legacy .sql / .sql.gz script.</summary>
    private static async Task RestoreFileAsync(PgRestoreRequest request, PgRestoreInvocation command, CancellationToken cancellationToken)
    {
        var path = request.Path!;
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".sql", StringComparison.Ordinal) || lower.EndsWith(".sql.gz", StringComparison.Ordinal))
        {
            await LegacySqlRestore.RunAsync(path, request.TargetServer, command.DatabaseName, command.Environment, command.Redactor, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A BackupOps .dump.zst copied without its manifest (the default codec since issue #16): pg_restore cannot read
        // zstd, so it is decompressed in the stream, as a stored one is. Known by its magic number, whatever its name.
        if (await IsZstdAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (request.Jobs > 1)
            {
                throw BackupOpsException.InvalidInput("ZstdFileNeedsOneJob", $"'{path}' is zstd-compressed and has no manifest beside it, so it can only stream into one pg_restore job. Restore it with -Jobs / --jobs 1, or decompress it with zstd first to use more jobs.");
            }

            await using var file = File.OpenRead(path);
            await using var plain = Compression.ZstdStreams.Decompressing(file);
            try
            {
                await command.RunFromStreamAsync([], plain, "Restore", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Compression.ZstdStreams.IsDecodeError(ex))
            {
                throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "BackupDecodeFailed", $"'{path}' is not a whole zstd stream ({ex.Message.TrimEnd('.')}); it is truncated or damaged, and nothing was restored from it.", ex) { Target = path };
            }

            return;
        }

        await command.RunAsync(request.Jobs > 1 ? [$"--jobs={request.Jobs}", path] : [path], cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> IsZstdAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        await using var file = File.OpenRead(path);
        return await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == head.Length
            && head is [0x28, 0xB5, 0x2F, 0xFD];
    }
}
