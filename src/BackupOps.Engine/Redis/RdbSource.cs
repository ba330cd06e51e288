using Microsoft.Win32.SafeHandles;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;
using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// An RDB file to check and upload: the server's own file (opened once, so a later BGSAVE that renames a new
/// file over it cannot change what is checked and uploaded), or a copy pulled with <c>redis-cli --rdb</c>.
/// </summary>
internal sealed class RdbSource : IAsyncDisposable
{
    private readonly string? _tempDirectory;

    private RdbSource(FileStream file, string checkPath, string obtained, string? tempDirectory)
    {
        File = file;
        CheckPath = checkPath;
        Obtained = obtained;
        _tempDirectory = tempDirectory;
    }

    /// <summary>The open file.</summary>
    public FileStream File { get; }

    /// <summary>A path naming exactly the open file, for redis-check-rdb.</summary>
    public string CheckPath { get; }

    /// <summary><c>server-file</c> or <c>replication</c>.</summary>
    public string Obtained { get; }

    public static async Task<RdbSource> ObtainAsync(IServer server, RedisConnectionSettings settings, RdbTransfer transfer, string? tempRoot, CancellationToken cancellationToken)
    {
        if (transfer != RdbTransfer.Replication && settings.IsLocal)
        {
            var dir = (await server.ConfigGetAsync("dir").ConfigureAwait(false)).FirstOrDefault().Value;
            var name = (await server.ConfigGetAsync("dbfilename").ConfigureAwait(false)).FirstOrDefault().Value;
            var path = dir is null || name is null ? null : Path.Combine(dir, name);
            if (path is not null && System.IO.File.Exists(path))
            {
                try
                {
                    var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    return new RdbSource(file, PathOfOpenFile(file, path), "server-file", null);
                }
                catch (UnauthorizedAccessException) when (transfer == RdbTransfer.Auto)
                {
                    // Not readable by this user: fall through to replication.
                }
            }
            else if (transfer == RdbTransfer.ServerFile)
            {
                throw new BackupOpsException(BackupOpsErrorKind.NotFound, "RedisRdbFileMissing", $"The server's RDB file {path} does not exist on this host. Use -Transfer Replication, or run where the server's files are.");
            }
        }
        else if (transfer == RdbTransfer.ServerFile)
        {
            throw BackupOpsException.InvalidInput("RedisRdbNotLocal", $"{settings.Display} is not on this host, so its RDB file cannot be read directly. Use -Transfer Replication (or Auto).");
        }

        return await ReplicateAsync(settings, tempRoot, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<RdbSource> ReplicateAsync(RedisConnectionSettings settings, string? tempRoot, CancellationToken cancellationToken)
    {
        var directory = Restore.VerifiedSource.CreateTempDirectory(tempRoot, "redis-rdb");
        var path = Path.Combine(directory, "dump.rdb");
        var (arguments, environment) = settings.ForRedisCli();
        var redactor = new SecretRedactor();
        settings.RegisterSecrets(redactor);
        try
        {
            await using var cli = ProcessRunner.Start(RedisTools.Find("redis-cli"), [.. arguments, "--rdb", path], environment, redactor);
            _ = cli.Output.CopyToAsync(Stream.Null, cancellationToken);
            try
            {
                await cli.WaitForSuccessAsync("RedisReplicationFailed", $"Pulling an RDB from {settings.Display} (redis-cli --rdb)", cancellationToken).ConfigureAwait(false);
            }
            catch (BackupOpsException ex)
            {
                throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, ex.ErrorId, ex.Message + " Managed services without SYNC (Upstash) need a logical snapshot (-Logical / --logical).");
            }

            Wal.PrivateFiles.Restrict(path);
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);

            // Nameless from here on (Linux): the replicated RDB cannot outlive this process, however it ends.
            return new RdbSource(file, Wal.PrivateFiles.Unlink(file, path), "replication", directory);
        }
        catch
        {
            Restore.VerifiedSource.DeleteQuietly(directory);
            throw;
        }
    }

    // On Linux /proc/<pid>/fd/<n> names the open file itself, even after the server renames a newer dump over it.
    private static string PathOfOpenFile(FileStream file, string fallback)
    {
        if (!OperatingSystem.IsLinux())
        {
            return fallback;
        }

        SafeFileHandle handle = file.SafeFileHandle;
        var viaProc = $"/proc/{Environment.ProcessId}/fd/{handle.DangerousGetHandle()}";
        return System.IO.File.Exists(viaProc) ? viaProc : fallback;
    }

    public async ValueTask DisposeAsync()
    {
        await File.DisposeAsync().ConfigureAwait(false);
        Restore.VerifiedSource.DeleteQuietly(_tempDirectory);
    }
}
