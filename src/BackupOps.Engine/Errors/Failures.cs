using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Errors;

/// <summary>
/// Failure paths: the first error is what the operator reads; what cleaning up could not remove is appended to it
/// ("Left behind: ..."), never thrown instead of it.
/// </summary>
internal static class Failures
{
    /// <summary>The first error, carrying what was left behind.</summary>
    public static Exception WithLeftBehind(Exception first, string leftBehind) => first switch
    {
        BackupOpsException known => known.WithNote(leftBehind),
        OperationCanceledException cancelled => new OperationCanceledException($"{cancelled.Message} Left behind: {leftBehind}.", cancelled, cancelled.CancellationToken),
        _ => new BackupOpsException(BackupOpsErrorKind.OperationFailed, "UnexpectedError", $"{first.GetType().Name}: {first.Message} Left behind: {leftBehind}.", first),
    };

    /// <summary>Deletes an object on a failure path, bounded and without throwing; returns what could not be removed.</summary>
    public static async Task<string?> DeleteQuietlyAsync(IBackupStore store, string key, string what, TimeSpan deadline)
    {
        using var bound = new CancellationTokenSource(deadline);
        try
        {
            await store.DeleteAsync(key, bound.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is BackupOpsException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            return $"{what} {key} could not be removed ({(ex as BackupOpsException)?.ErrorId ?? ex.GetType().Name}); it is not a valid backup, and the next prune removes it once it is older than the leftover grace period";
        }
    }
}
