using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Restore;

/// <summary>What to restore, where, and how to validate it.</summary>
public sealed record PgRestoreRequest
{
    /// <summary>The server to restore into (its database part is ignored; see <see cref="TargetDatabase"/>).</summary>
    public required PgConnectionSettings TargetServer { get; init; }

    /// <summary>Store holding the backup (with <see cref="BackupId"/>).</summary>
    public string? Store { get; init; }

    /// <summary>S3 endpoint and credentials; null reads the AWS_* environment variables.</summary>
    public Stores.S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings; null reads BACKUPOPS_ENVIRONMENT / BACKUPOPS_WEBHOOK_URL.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>The backup id (from a listing).</summary>
    public string? BackupId { get; init; }

    /// <summary>Restore the newest valid backup of <see cref="SourceDatabase"/> instead of naming one.</summary>
    public bool Latest { get; init; }

    /// <summary>Restrict the lookup to this source database's backups (also names the default target).</summary>
    public string? SourceDatabase { get; init; }

    /// <summary>A local file instead of a store backup: a BackupOps dump (manifest beside it) or a legacy .sql / .sql.gz.</summary>
    public string? Path { get; init; }

    /// <summary>Database to restore into; default <c>&lt;source&gt;_restore</c>.</summary>
    public string? TargetDatabase { get; init; }

    /// <summary>Replace a non-empty target (the verified restore is swapped in, then the old database dropped).</summary>
    public bool Force { get; init; }

    /// <summary>pg_restore parallel jobs.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>age identity file for encrypted backups.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Keep ownership and grants from the dump (default: restore as the connecting user, without grants).</summary>
    public bool PreserveOwnership { get; init; }

    /// <summary>Tables whose exact row count is checked.</summary>
    public IReadOnlyList<string> CriticalTables { get; init; } = [];

    /// <summary>Smoke queries with expectations.</summary>
    public IReadOnlyList<SmokeQuery> SmokeQueries { get; init; } = [];

    /// <summary>Folder for downloaded backups (remote stores, parallel restores of encrypted backups).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>
    /// Public key files (PEM) whose signature the backup must carry; several for key rotation. Null reads
    /// BACKUPOPS_TRUSTED_KEYS; with neither, signatures are reported but not required.
    /// </summary>
    public IReadOnlyList<string>? TrustedKeyFiles { get; init; }

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        if (Jobs is < 1 or > 64)
        {
            throw BackupOpsException.InvalidInput("JobsInvalid", $"-Jobs / --jobs {Jobs} is out of range. Use 1 to 64 (about the number of cores of the target server).");
        }

        var sources = (Path is null ? 0 : 1) + (string.IsNullOrWhiteSpace(BackupId) ? 0 : 1) + (Latest ? 1 : 0);
        if (sources != 1)
        {
            throw BackupOpsException.InvalidInput("RestoreSourceInvalid", sources == 0
                ? "Nothing to restore: give a backup (-BackupId / --backup-id, -Latest / --latest, or pipe Get-PgBackup) or a file (-Path / --file)."
                : "Give exactly one of a backup id, --latest or a file to restore.");
        }

        if (Latest && string.IsNullOrWhiteSpace(SourceDatabase))
        {
            throw BackupOpsException.InvalidInput("RestoreSourceDatabaseMissing", "-Latest / --latest needs to know which database's backups to use: pass -Database / --database (or a connection whose database is the source).");
        }

        if (TargetDatabase is not null && (TargetDatabase.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(TargetDatabase) > 63))
        {
            throw BackupOpsException.InvalidInput("TargetDatabaseInvalid", $"The target database name '{TargetDatabase}' is not usable: PostgreSQL names are 1 to 63 bytes.");
        }

        if (IdentityFile is not null && !File.Exists(IdentityFile))
        {
            throw BackupOpsException.InvalidInput("IdentityFileMissing", $"The age identity file '{IdentityFile}' does not exist. Pass the file written by age-keygen.");
        }
    }
}
