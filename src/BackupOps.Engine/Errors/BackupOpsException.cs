namespace BackupOps.Engine.Errors;

/// <summary>
/// The one exception type the engine lets out. Its message is written for an operator (what was wrong, what to do)
/// and never contains a secret; <see cref="ErrorId"/> is stable so scripts can match on it.
/// </summary>
public sealed class BackupOpsException : Exception
{
    /// <summary>Creates an exception with a stable id, a kind and an operator-facing message.</summary>
    public BackupOpsException(BackupOpsErrorKind kind, string errorId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorId = errorId;
    }

    /// <summary>What kind of failure this is.</summary>
    public BackupOpsErrorKind Kind { get; }

    /// <summary>A stable identifier such as <c>PgAuthenticationFailed</c>.</summary>
    public string ErrorId { get; }

    /// <summary>The object the error is about (a database name, a key), when there is one.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// The same error with what the failure left behind appended (for instance a multipart upload that could not be
    /// aborted because the server is gone), so the one line an operator reads says both; itself when nothing was left.
    /// </summary>
    public BackupOpsException WithNote(string? leftBehind) =>
        string.IsNullOrEmpty(leftBehind) ? this : new BackupOpsException(Kind, ErrorId, $"{Message.TrimEnd()} Left behind: {leftBehind}.", InnerException) { Target = Target };

    /// <summary>Shorthand for an invalid-input error.</summary>
    public static BackupOpsException InvalidInput(string errorId, string message) =>
        new(BackupOpsErrorKind.InvalidInput, errorId, message);
}
