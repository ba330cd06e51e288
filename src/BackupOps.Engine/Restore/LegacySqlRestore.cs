using System.IO.Compression;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Restore;

/// <summary>
/// Restores plain SQL dumps made by the old <c>pg_dump | gzip -9</c> script: the file (gunzipped in-process
/// when it ends in .gz) is streamed into psql, which stops at the first error inside one transaction.
/// </summary>
internal static class LegacySqlRestore
{
    public static async Task RunAsync(string path, PgConnectionSettings server, string targetName, IReadOnlyDictionary<string, string> environment, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        var psql = PgToolLocator.Find("psql");
        string[] arguments = ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--single-transaction", $"--host={server.Host}", $"--port={server.Port}", $"--dbname={targetName}", "--file=-"];
        await using var process = ProcessRunner.Start(psql, arguments, environment, redactor, redirectInput: true);
        var discardOutput = process.Output.CopyToAsync(Stream.Null, cancellationToken);
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using Stream sql = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            await sql.CopyToAsync(process.Input, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // psql stopped reading because it hit an error; its exit code and stderr tell why (below).
        }
        catch (InvalidDataException ex)
        {
            throw BackupOpsException.InvalidInput("LegacyDumpInvalid", $"'{path}' is not a valid gzip file ({ex.Message}). Legacy restores accept .sql and .sql.gz files.");
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
}
