using BackupOps.Engine.Catalog;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;

namespace BackupOps.Internal;

/// <summary>Copies engine results into the module's own output types, so no engine type reaches PowerShell.</summary>
internal static class OutputMapper
{
    public static PgBackup ToOutput(BackupEntry entry) => new()
    {
        Store = entry.Store,
        BackupId = entry.BackupId,
        Database = entry.Database,
        StartedUtc = entry.Manifest.StartedUtc.UtcDateTime,
        CompletedUtc = entry.Manifest.CompletedUtc.UtcDateTime,
        Duration = TimeSpan.FromSeconds(entry.Manifest.DurationSeconds),
        SizeBytes = entry.Manifest.SizeBytes,
        Sha256 = entry.Manifest.Sha256,
        Encrypted = entry.Manifest.Encryption is not null,
        Recipients = [.. entry.Manifest.Encryption?.Recipients ?? []],
        ServerVersion = entry.Manifest.ServerVersion,
        PgDumpVersion = entry.Manifest.PgDumpVersion,
        CompressionLevel = entry.Manifest.CompressionLevel,
        Tables = entry.Manifest.Schema.Tables,
        DataKey = entry.Manifest.DataKey,
        ManifestKey = entry.ManifestKey,
        Host = entry.Manifest.Host,
    };

    public static PgBackupLeftover ToOutput(string store, BackupLeftover leftover) => new()
    {
        Store = store,
        Key = leftover.Key,
        Database = leftover.Database,
        SizeBytes = leftover.SizeBytes,
        LastModifiedUtc = leftover.LastModifiedUtc.UtcDateTime,
        Reason = leftover.Reason,
    };

    public static BackupCheck ToOutput(RestoreCheck check) => new()
    {
        Name = check.Name,
        Outcome = check.Outcome switch
        {
            CheckOutcome.Passed => BackupCheckOutcome.Passed,
            CheckOutcome.Warning => BackupCheckOutcome.Warning,
            _ => BackupCheckOutcome.Failed,
        },
        Detail = check.Detail,
    };

    public static PgRestoreResult ToOutput(Engine.Restore.PgRestoreResult result) => new()
    {
        BackupId = result.BackupId,
        SourceDatabase = result.SourceDatabase,
        TargetDatabase = result.TargetDatabase,
        TargetServer = result.TargetServer,
        CreatedDatabase = result.CreatedDatabase,
        SizeBytes = result.SizeBytes,
        DownloadDuration = result.DownloadDuration,
        RestoreDuration = result.RestoreDuration,
        ValidationDuration = result.ValidationDuration,
        Succeeded = result.Succeeded,
        Checks = [.. result.Checks.Select(ToOutput)],
    };

    public static PgPruneResult ToOutput(string store, PruneAction action) => new()
    {
        Store = store,
        Key = action.Key,
        Database = action.Database,
        StartedUtc = action.StartedUtc.UtcDateTime,
        SizeBytes = action.SizeBytes,
        Reason = action.Reason,
        Removed = action.Removed,
    };
}
