using System.Diagnostics;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Restore;

/// <summary>
/// Restores a stored backup while its SHA-256 is computed over the same bytes, into a database nobody uses yet
/// (the caller's scratch database): the restore does not wait for a download, and the backup still counts as
/// restored only when the hash and size match the manifest. When both the bytes and the restore fail, the
/// bytes are reported, because a damaged backup explains the restore error and not the other way round.
/// </summary>
internal static class VerifiedRestore
{
    /// <summary>Runs the restore; returns how long the bytes took to arrive and be hashed.</summary>
    public static async Task<TimeSpan> RunAsync(
        IBackupStore store,
        BackupManifest manifest,
        PgRestoreInvocation pgRestore,
        int jobs,
        string? identityFile,
        string? tempRoot,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var localPath = store.TryGetLocalPath(manifest.DataKey);
        var encrypted = manifest.Encryption is not null;
        var activity = $"Restoring {manifest.Database} {manifest.BackupId}";
        var report = progress is null ? null : new Action<long, double>((done, rate) => progress.Report(new OperationProgress(activity, localPath is null ? $"downloading from {store.Display} and restoring" : "verifying SHA-256 and restoring", done, manifest.SizeBytes, rate)));
        TimeSpan hashed = default;

        if (manifest.IsZstd)
        {
            // zstd around the archive: decompressed in the stream, never on disk as the stored object.
            return await RunZstdAsync(store, manifest, pgRestore, jobs, identityFile, tempRoot, report, clock, cancellationToken).ConfigureAwait(false);
        }

        if (jobs > 1 && localPath is not null && !encrypted)
        {
            // The archive is already a seekable file: pg_restore --jobs reads it while it is hashed.
            var hash = HashLocalAsync(store, manifest, report, cancellationToken);
            await JudgeAsync(manifest, pgRestore.RunAsync([$"--jobs={jobs}", localPath], cancellationToken), hash, () => hashed = clock.Elapsed).ConfigureAwait(false);
            return hashed;
        }

        if (jobs <= 1)
        {
            await using var age = encrypted ? ProcessRunner.Start(AgeTool.Find(), AgeTool.DecryptArguments(identityFile!), null, pgRestore.Redactor, redirectInput: true) : null;
            await using var restore = pgRestore.Start([], redirectInput: true);
            var decrypted = age is null ? Task.CompletedTask : StreamPump.CopyUntilReaderLeavesAsync(age.Output, restore.Input, cancellationToken);
            var sink = age?.Input ?? restore.Input;
            var hash = StreamIntoAsync(store, manifest, sink, report, cancellationToken);
            var consumer = WaitForStreamRestoreAsync(age, decrypted, restore, pgRestore.DatabaseName, cancellationToken);
            await JudgeAsync(manifest, consumer, hash, () => hashed = clock.Elapsed).ConfigureAwait(false);
            return hashed;
        }

        // Parallel from a remote or encrypted backup: the archive lands in a temporary file that the staged
        // restore follows while it grows.
        var workDirectory = VerifiedSource.CreateTempDirectory(tempRoot, manifest.BackupId);
        try
        {
            await using var archive = new GrowingFile(Path.Combine(workDirectory, "backup.dump"));
            var produce = ProduceArchiveAsync(store, manifest, archive, identityFile, pgRestore.Redactor, report, cancellationToken);
            var restore = StagedParallelRestore.RunAsync(
                pgRestore,
                archive,
                async () => Verify(manifest, await produce.ConfigureAwait(false)),
                jobs,
                manifest.Schema.TableRows,
                workDirectory,
                cancellationToken);
            await JudgeAsync(manifest, restore, produce, () => hashed = clock.Elapsed).ConfigureAwait(false);
            return hashed;
        }
        finally
        {
            VerifiedSource.DeleteQuietly(workDirectory);
        }
    }

    /// <summary>
    /// A zstd backup: one pass over the stored bytes (<see cref="StoredArchive"/>: hash → age → zstd). One job feeds
    /// pg_restore's stdin; N jobs grow the plain archive in a temporary file that the staged restore follows, as for a
    /// remote backup (a local .zst is not a seekable archive either).
    /// </summary>
    private static async Task<TimeSpan> RunZstdAsync(IBackupStore store, BackupManifest manifest, PgRestoreInvocation pgRestore, int jobs, string? identityFile, string? tempRoot, Action<long, double>? report, Stopwatch clock, CancellationToken cancellationToken)
    {
        TimeSpan hashed = default;
        var paused = !Diagnostics.TestHooks.Enabled;

        // The test hook restore:restoring, once the first plain bytes have reached pg_restore.
        async ValueTask PauseOnceAsync(CancellationToken token)
        {
            if (!paused)
            {
                paused = true;
                await Diagnostics.TestHooks.PauseAsync("restore:restoring", token).ConfigureAwait(false);
            }
        }

        if (jobs <= 1)
        {
            await using var restore = pgRestore.Start([], redirectInput: true);
            var stdin = restore.Input;
            var readerGone = false;
            var bytes = DeliverZstdAsync(
                store,
                manifest,
                identityFile,
                pgRestore.Redactor,
                report,
                async (archive, token) =>
                {
                    try
                    {
                        await archive.CopyToAsync(
                            async (chunk, t) =>
                            {
                                if (readerGone)
                                {
                                    return; // pg_restore left: keep reading so the stored bytes are still judged
                                }

                                try
                                {
                                    await stdin.WriteAsync(chunk, t).ConfigureAwait(false);
                                }
                                catch (IOException)
                                {
                                    readerGone = true;
                                }

                                await PauseOnceAsync(t).ConfigureAwait(false);
                            },
                            token).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Without end-of-file on its stdin the restore would wait for bytes that will never come.
                        await CloseQuietlyAsync(stdin).ConfigureAwait(false);
                    }
                },
                null,
                cancellationToken);
            var consumer = restore.WaitForSuccessAsync("PgRestoreFailed", $"Restore into {pgRestore.DatabaseName}", cancellationToken);
            await JudgeAsync(manifest, consumer, bytes, () => hashed = clock.Elapsed).ConfigureAwait(false);
            return hashed;
        }

        var workDirectory = VerifiedSource.CreateTempDirectory(tempRoot, manifest.BackupId);
        try
        {
            await using var plain = new GrowingFile(Path.Combine(workDirectory, "backup.dump"));
            var produce = DeliverZstdAsync(
                store,
                manifest,
                identityFile,
                pgRestore.Redactor,
                report,
                (archive, token) => archive.CopyToAsync(
                    async (chunk, t) =>
                    {
                        await plain.AppendAsync(chunk, t).ConfigureAwait(false);
                        await PauseOnceAsync(t).ConfigureAwait(false);
                    },
                    token),
                plain,
                cancellationToken);
            var restore = StagedParallelRestore.RunAsync(
                pgRestore,
                plain,
                async () => Verify(manifest, await produce.ConfigureAwait(false)),
                jobs,
                manifest.Schema.TableRows,
                workDirectory,
                cancellationToken);
            await JudgeAsync(manifest, restore, produce, () => hashed = clock.Elapsed).ConfigureAwait(false);
            return hashed;
        }
        finally
        {
            VerifiedSource.DeleteQuietly(workDirectory);
        }
    }

    /// <summary>
    /// Delivers the plain archive of a zstd backup through <paramref name="deliver"/>, then hashes what is left of the
    /// stored bytes. The bytes are judged before a decode or decryption failure is: a damaged object explains both.
    /// </summary>
    private static async Task<(string, long)> DeliverZstdAsync(
        IBackupStore store,
        BackupManifest manifest,
        string? identityFile,
        SecretRedactor redactor,
        Action<long, double>? report,
        Func<StoredArchive, CancellationToken, Task> deliver,
        GrowingFile? plain,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var archive = await StoredArchive.OpenAsync(store, manifest, identityFile, redactor, report, cancellationToken).ConfigureAwait(false);
            Exception? deliveryError = null;
            try
            {
                await deliver(archive, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BackupOpsException or IOException)
            {
                deliveryError = ex;
            }

            var result = await archive.FinishAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Verify(manifest, result);
            }
            catch
            {
                archive.StopDecryption();
                throw;
            }

            await archive.WaitForDecryptionAsync(cancellationToken).ConfigureAwait(false);
            if (deliveryError is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(deliveryError);
            }

            if (plain is not null)
            {
                await plain.CompleteAsync().ConfigureAwait(false);
            }

            return result;
        }
        catch (Exception ex) when (plain is not null)
        {
            plain.Fail(ex);
            throw;
        }
    }


    private static async Task JudgeAsync(BackupManifest manifest, Task restore, Task<(string Sha256, long Size)> bytes, Action bytesDone)
    {
        try
        {
            await restore.ConfigureAwait(false);
        }
        catch (Exception restoreError) when (restoreError is not OperationCanceledException)
        {
            Verify(manifest, await bytes.ConfigureAwait(false));
            throw;
        }

        Verify(manifest, await bytes.ConfigureAwait(false));
        bytesDone();
    }

    private static void Verify(BackupManifest manifest, (string Sha256, long Size) actual) => ManifestChecksum.Verify(manifest, actual.Sha256, actual.Size);

    private static async Task<(string, long)> HashLocalAsync(IBackupStore store, BackupManifest manifest, Action<long, double>? report, CancellationToken cancellationToken)
    {
        await using var file = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
        return await HashingCopier.CopyAsync(file, static (_, _) => ValueTask.CompletedTask, report, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string, long)> StreamIntoAsync(IBackupStore store, BackupManifest manifest, Stream sink, Action<long, double>? report, CancellationToken cancellationToken)
    {
        Stream source;
        try
        {
            source = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Without end-of-file on its stdin the restore would wait for bytes that will never come.
            await CloseQuietlyAsync(sink).ConfigureAwait(false);
            throw;
        }

        await using (source)
        {
            return await StreamIntoAsync(source, sink, report, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitForStreamRestoreAsync(ChildProcess? age, Task decrypted, ChildProcess restore, string databaseName, CancellationToken cancellationToken)
    {
        if (age is not null)
        {
            await age.WaitForSuccessAsync("AgeDecryptFailed", "Decrypting the backup (check the identity file)", cancellationToken).ConfigureAwait(false);
        }

        await decrypted.ConfigureAwait(false);
        await restore.WaitForSuccessAsync("PgRestoreFailed", $"Restore into {databaseName}", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string, long)> ProduceArchiveAsync(IBackupStore store, BackupManifest manifest, GrowingFile archive, string? identityFile, SecretRedactor redactor, Action<long, double>? report, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = await store.OpenReadAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
            (string, long) result;
            if (manifest.Encryption is null)
            {
                var paused = !Diagnostics.TestHooks.Enabled;
                result = await HashingCopier.CopyAsync(
                    source,
                    async (chunk, token) =>
                    {
                        await archive.AppendAsync(chunk, token).ConfigureAwait(false);
                        if (!paused)
                        {
                            paused = true;
                            await Diagnostics.TestHooks.PauseAsync("restore:restoring", token).ConfigureAwait(false);
                        }
                    },
                    report,
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var age = ProcessRunner.Start(AgeTool.Find(), AgeTool.DecryptArguments(identityFile!), null, redactor, redirectInput: true);
                var plain = CopyToArchiveAsync(age.Output, archive, cancellationToken);
                var hash = StreamIntoAsync(source, age.Input, report, cancellationToken);
                result = await hash.ConfigureAwait(false);
                await plain.ConfigureAwait(false);
                try
                {
                    Verify(manifest, result);
                }
                catch
                {
                    // age's complaint about a damaged file would hide the real finding.
                    age.Kill();
                    throw;
                }

                await age.WaitForSuccessAsync("AgeDecryptFailed", "Decrypting the backup (check the identity file)", cancellationToken).ConfigureAwait(false);
            }

            await archive.CompleteAsync().ConfigureAwait(false);
            return result;
        }
        catch (Exception ex)
        {
            archive.Fail(ex);
            throw;
        }
    }

    /// <summary>Streams <paramref name="source"/> into <paramref name="sink"/>, hashing; if the reader dies, keeps hashing to the end so the bytes can still be judged.</summary>
    private static async Task<(string, long)> StreamIntoAsync(Stream source, Stream sink, Action<long, double>? report, CancellationToken cancellationToken)
    {
        var readerGone = false;
        var paused = !Diagnostics.TestHooks.Enabled;
        try
        {
            return await HashingCopier.CopyAsync(
                source,
                async (chunk, token) =>
                {
                    if (!readerGone)
                    {
                        try
                        {
                            await sink.WriteAsync(chunk, token).ConfigureAwait(false);
                        }
                        catch (IOException)
                        {
                            readerGone = true;
                        }
                    }

                    if (!paused)
                    {
                        paused = true;
                        await Diagnostics.TestHooks.PauseAsync("restore:restoring", token).ConfigureAwait(false);
                    }
                },
                report,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseQuietlyAsync(sink).ConfigureAwait(false);
        }
    }

    private static async Task CloseQuietlyAsync(Stream pipe)
    {
        try
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The reader already left.
        }
    }

    private static async Task CopyToArchiveAsync(Stream plain, GrowingFile archive, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await plain.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await archive.AppendAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
