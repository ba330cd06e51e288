namespace BackupOps.Engine.Errors;

/// <summary>What kind of failure an operation met; front ends map it to exit codes and error categories.</summary>
public enum BackupOpsErrorKind
{
    /// <summary>The caller gave a value that cannot work; nothing was changed.</summary>
    InvalidInput,
    /// <summary>Credentials were refused.</summary>
    AuthenticationFailed,
    /// <summary>A server or endpoint could not be reached.</summary>
    ConnectionFailed,
    /// <summary>A named thing (database, bucket, backup) does not exist.</summary>
    NotFound,
    /// <summary>The operation was refused to protect data (non-empty target without force, newest backup).</summary>
    Refused,
    /// <summary>Stored bytes do not match their recorded SHA-256 or manifest.</summary>
    IntegrityFailed,
    /// <summary>A required external tool (pg_dump, age) is missing or too old.</summary>
    ToolMissing,
    /// <summary>The operation started and failed.</summary>
    OperationFailed,
}
