using System.Management.Automation;
using BackupOps.Engine.Errors;

namespace BackupOps.Internal;

/// <summary>Maps engine errors to ErrorRecords: the engine's stable id, a PowerShell category, a standard exception type.</summary>
internal static class ErrorRecords
{
    /// <summary>
    /// Refusals because something is already there (a non-empty target, existing keys or files): ResourceExists, as
    /// New-DrDrillConfig's DrillConfigExists, rather than the PermissionDenied of the other refusals (the newest backup
    /// protected, a prune that cannot prove what it keeps), which would send the user after file modes or grants.
    /// </summary>
    private static readonly HashSet<string> ExistingThing = new(StringComparer.Ordinal) { "TargetNotEmpty", "DataDirectoryNotEmpty", "RedisKeyExists", "StoreObjectExists" };

    public static ErrorRecord From(BackupOpsException error)
    {
        // The engine names parameters as "-Store / --store" pairs; PowerShell users see only their half.
        var message = FrontEndText.ForPowerShell(error.Message);
        // Standard exception types only: an engine type in $Error would tie scripts to the engine assembly.
        Exception exception = error.Kind switch
        {
            BackupOpsErrorKind.InvalidInput => new ArgumentException(message),
            BackupOpsErrorKind.AuthenticationFailed => new UnauthorizedAccessException(message),
            BackupOpsErrorKind.NotFound => new ItemNotFoundException(message),
            BackupOpsErrorKind.IntegrityFailed => new InvalidDataException(message),
            _ => new InvalidOperationException(message),
        };
        var category = ExistingThing.Contains(error.ErrorId) ? ErrorCategory.ResourceExists : error.Kind switch
        {
            BackupOpsErrorKind.InvalidInput => ErrorCategory.InvalidArgument,
            BackupOpsErrorKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
            BackupOpsErrorKind.ConnectionFailed => ErrorCategory.ConnectionError,
            BackupOpsErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            BackupOpsErrorKind.Refused => ErrorCategory.PermissionDenied,
            BackupOpsErrorKind.IntegrityFailed => ErrorCategory.InvalidData,
            BackupOpsErrorKind.ToolMissing => ErrorCategory.NotInstalled,
            _ => ErrorCategory.InvalidResult,
        };
        return new ErrorRecord(exception, error.ErrorId, category, error.Target);
    }
}
