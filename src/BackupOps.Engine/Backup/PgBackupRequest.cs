using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Backup;

/// <summary>What to back up and how.</summary>
public sealed record PgBackupRequest
{
    /// <summary>
    /// Default pg_dump compression level: 1. On the benchmark dataset level 1 dumps 3.2× faster than pg_dump's
    /// own default 6 for a 3.8% larger file (docs/benchmark.md); a shorter backup window matters more for the
    /// 15-minute RPO than a few percent of object storage. Pass 6-9 where storage is the constraint.
    /// </summary>
    public const int DefaultCompressionLevel = 1;

    /// <summary>The source database.</summary>
    public required PgConnectionSettings Connection { get; init; }

    /// <summary>Store spec (folder or s3://bucket/prefix); null for BACKUP_DIR / ./backups.</summary>
    public string? Store { get; init; }

    /// <summary>S3 endpoint and credentials; null reads the AWS_* environment variables.</summary>
    public Stores.S3StoreOptions? S3 { get; init; }

    /// <summary>Run record and notification settings; null reads BACKUPOPS_ENVIRONMENT / BACKUPOPS_WEBHOOK_URL.</summary>
    public Health.RunReporting? Reporting { get; init; }

    /// <summary>pg_dump --compress level, 0-9.</summary>
    public int CompressionLevel { get; init; } = DefaultCompressionLevel;

    /// <summary>pg_dump --no-owner.</summary>
    public bool NoOwner { get; init; }

    /// <summary>pg_dump --no-privileges.</summary>
    public bool NoPrivileges { get; init; }

    /// <summary>pg_dump --table patterns.</summary>
    public IReadOnlyList<string> IncludeTables { get; init; } = [];

    /// <summary>pg_dump --exclude-table patterns.</summary>
    public IReadOnlyList<string> ExcludeTables { get; init; } = [];

    /// <summary>Tables whose exact row count is recorded in the manifest (restores compare against it).</summary>
    public IReadOnlyList<string> CriticalTables { get; init; } = [];

    /// <summary>age public recipients (<c>age1...</c>); empty for no client-side encryption.</summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>Checks values that need no server.</summary>
    public void Validate()
    {
        if (CompressionLevel is < 0 or > 9)
        {
            throw BackupOpsException.InvalidInput("CompressionLevelInvalid", $"The compression level {CompressionLevel} is out of range. Use 0 (none) to 9 (smallest); the default is {DefaultCompressionLevel}.");
        }

        foreach (var recipient in AgeRecipients)
        {
            if (recipient.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
            {
                throw BackupOpsException.InvalidInput("AgeRecipientIsSecret", "An age secret key was given where a public recipient belongs. Pass the public key (age1..., from 'age-keygen -y identity.txt'), keep the identity file for restores, and rotate the key if it was exposed.");
            }

            if (!recipient.StartsWith("age1", StringComparison.Ordinal) && !recipient.StartsWith("ssh-", StringComparison.Ordinal))
            {
                throw BackupOpsException.InvalidInput("AgeRecipientInvalid", $"'{Shorten(recipient)}' is not an age public recipient. Give the public key (age1..., from 'age-keygen -y identity.txt'), never the identity file's secret key.");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 12 ? text : text[..12] + "...";
}
