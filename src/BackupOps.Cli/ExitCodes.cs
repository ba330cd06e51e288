using BackupOps.Engine.Errors;

namespace BackupOps.Cli;

/// <summary>Exit codes schedulers understand: 0 success, 1 the operation failed, 2 bad input (nothing was done).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 130;

    /// <summary>Bad values and refusals (missing --force, protected newest backup) are the caller's to fix: 2.</summary>
    public static int For(BackupOpsErrorKind kind) => kind is BackupOpsErrorKind.InvalidInput or BackupOpsErrorKind.Refused ? BadInput : Failed;
}
