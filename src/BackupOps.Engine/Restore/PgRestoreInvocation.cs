using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Restore;

/// <summary>How to run pg_restore against one database: the tool, its connection arguments and environment.</summary>
internal sealed record PgRestoreInvocation(ExternalTool Tool, IReadOnlyList<string> ConnectionArguments, IReadOnlyDictionary<string, string> Environment, SecretRedactor Redactor, string DatabaseName)
{
    /// <summary>Starts pg_restore with the connection arguments followed by <paramref name="arguments"/>.</summary>
    public ChildProcess Start(IEnumerable<string> arguments, bool redirectInput = false) =>
        ProcessRunner.Start(Tool, [.. ConnectionArguments, .. arguments], Environment, Redactor, redirectInput);

    /// <summary>Runs pg_restore to completion, throwing its redacted error on failure.</summary>
    public async Task RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        await using var restore = Start(arguments);
        await restore.WaitForSuccessAsync("PgRestoreFailed", $"Restore into {DatabaseName}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs pg_restore reading the archive from <paramref name="archive"/> on stdin. pg_restore may stop reading
    /// before the end (a listing, one section, a subset of tables); the broken pipe that follows is expected and
    /// its exit code alone decides success.
    /// </summary>
    public async Task<string> RunFromStreamAsync(IEnumerable<string> arguments, Stream archive, string what, CancellationToken cancellationToken)
    {
        await using var restore = Start(arguments, redirectInput: true);
        var output = new StreamReader(restore.Output).ReadToEndAsync(cancellationToken);
        var feed = StreamPump.CopyUntilReaderLeavesAsync(archive, restore.Input, cancellationToken);
        try
        {
            await restore.WaitForSuccessAsync("PgRestoreFailed", $"{what} into {DatabaseName}", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            restore.Kill();
            await feed.ConfigureAwait(false);
        }

        return await output.ConfigureAwait(false);
    }
}
