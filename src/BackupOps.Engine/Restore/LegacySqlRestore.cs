using System.IO.Compression;
using System.Text;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Restore;

/// <summary>
/// Restores plain SQL dumps made by the old <c>pg_dump | gzip -9</c> script: the file (gunzipped in-process when it
/// ends in .gz) is streamed into psql, which stops at the first error inside one transaction. All or nothing: the
/// stream must prove complete before psql sees its end (pg_dump's closing "dump complete" line, and for .gz the
/// trailer's CRC-32 and length), otherwise psql is stopped before it can commit, and the caller drops the database
/// it was restoring into.
/// </summary>
internal static class LegacySqlRestore
{
    // What pg_dump and pg_dumpall write at the very end (PostgreSQL 17.6+ may add an \unrestrict line after it).
    private static readonly string[] CompletionMarkers = ["-- PostgreSQL database dump complete", "-- PostgreSQL database cluster dump complete"];
    private const int TailBytes = 1024;

    public static async Task RunAsync(string path, PgConnectionSettings server, string targetName, IReadOnlyDictionary<string, string> environment, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        var psql = PgToolLocator.Find("psql");
        string[] arguments = ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--single-transaction", $"--host={server.Host}", $"--port={server.Port}", $"--dbname={targetName}", "--file=-"];
        await using var process = ProcessRunner.Start(psql, arguments, environment, redactor, redirectInput: true);
        var discardOutput = process.Output.CopyToAsync(Stream.Null, cancellationToken);
        var gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        try
        {
            var problem = await StreamAsync(path, gzip, process.Input, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                // Before psql reads end-of-file: its single transaction is never committed.
                process.Kill();
                throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "LegacyDumpIncomplete", $"'{path}' is {problem}; nothing was restored from it. Restore an older dump, or a BackupOps backup (its SHA-256 is checked).") { Target = path };
            }
        }
        catch (InvalidDataException ex)
        {
            process.Kill();
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "LegacyDumpInvalid", $"'{path}' is not a valid gzip file ({ex.Message}); nothing was restored from it. Legacy restores accept .sql and .sql.gz files.", ex) { Target = path };
        }
        finally
        {
            try
            {
                await process.Input.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // broken pipe after psql exited
            }
        }

        await discardOutput.ConfigureAwait(false);
        await process.WaitForSuccessAsync("PsqlRestoreFailed", $"Restore of {Path.GetFileName(path)} into {targetName}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the SQL into psql; returns what is wrong with the stream (truncated, corrupt), or null when it is whole.</summary>
    private static async Task<string?> StreamAsync(string path, bool gzip, Stream psqlInput, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using Stream sql = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        var trailer = gzip ? new GzipTrailer() : null;
        var buffer = new byte[1 << 20];
        var tail = new byte[TailBytes];
        var tailLength = 0;
        var psqlGone = false;
        int read;
        while ((read = await sql.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            trailer?.Append(buffer.AsSpan(0, read));
            KeepTail(tail, ref tailLength, buffer.AsSpan(0, read));
            if (!psqlGone)
            {
                try
                {
                    await psqlInput.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // psql stopped at an error; its exit code and stderr say why. Reading on judges the file itself.
                    psqlGone = true;
                }
            }
        }

        if (trailer is not null && !trailer.Matches(path) && !PassesGzipTest(path))
        {
            return "truncated or corrupt: its gzip trailer (CRC-32 and length) does not match the data, and gzip -t rejects it";
        }

        var end = Encoding.UTF8.GetString(tail, 0, tailLength);
        return CompletionMarkers.Any(m => end.Contains(m, StringComparison.Ordinal))
            ? null
            : "truncated: it does not end with pg_dump's \"dump complete\" line (if it is a complete hand-written script, run it with psql)";
    }

    // A multi-member .gz (cat a.gz b.gz) has one trailer per member; gzip itself checks those.
    private static bool PassesGzipTest(string path) => ProcessRunner.RunToEnd("gzip", ["-t", path], TimeSpan.FromMinutes(30)) is not null;

    private static void KeepTail(byte[] tail, ref int length, ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length >= tail.Length)
        {
            chunk[^tail.Length..].CopyTo(tail);
            length = tail.Length;
            return;
        }

        var keep = Math.Min(length, tail.Length - chunk.Length);
        tail.AsSpan(length - keep, keep).CopyTo(tail);
        chunk.CopyTo(tail.AsSpan(keep));
        length = keep + chunk.Length;
    }
}
