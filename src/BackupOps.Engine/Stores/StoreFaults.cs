using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// Turns file-system failures of a folder store into one clear error with the first cause: a full disk, a
/// read-only file system and a permission problem each name the fix; nothing leaves as a raw IOException.
/// </summary>
internal static class StoreFaults
{
    // errno values as .NET reports them in IOException.HResult on Linux.
    private const int NoSpace = 28;
    private const int ReadOnlyFileSystem = 30;
    private const int QuotaExceeded = 122;
    private const int PermissionDenied = 13;

    public static bool IsFileSystemError(Exception exception) => exception is IOException or UnauthorizedAccessException;

    public static BackupOpsException Translate(Exception exception, string root, string what)
    {
        if (exception is BackupOpsException known)
        {
            return known;
        }

        var cause = exception.Message;
        return exception.HResult switch
        {
            NoSpace or QuotaExceeded => new BackupOpsException(BackupOpsErrorKind.OperationFailed, "StoreFull", $"The store folder {root} is full: {what} failed ({cause}). Free space there, or choose another store (-Store / --store, BACKUP_DIR).", exception) { Target = root },
            ReadOnlyFileSystem => new BackupOpsException(BackupOpsErrorKind.OperationFailed, "StoreReadOnly", $"The store folder {root} is on a read-only file system: {what} failed. Remount it read-write, or choose another store (-Store / --store, BACKUP_DIR).", exception) { Target = root },
            _ when exception is UnauthorizedAccessException || exception.HResult == PermissionDenied => new BackupOpsException(BackupOpsErrorKind.InvalidInput, "StoreNotWritable", $"The store folder {root} is not writable for this user: {what} failed ({cause}). Choose a writable folder with -Store / --store or BACKUP_DIR.", exception) { Target = root },
            _ => new BackupOpsException(BackupOpsErrorKind.OperationFailed, "StoreWriteFailed", $"The store folder {root}: {what} failed ({cause}).", exception) { Target = root },
        };
    }
}
