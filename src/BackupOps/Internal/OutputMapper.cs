using BackupOps.Engine.Catalog;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;

namespace BackupOps.Internal;

/// <summary>Copies engine results into the module's own output types, so no engine type reaches PowerShell.</summary>
internal static class OutputMapper
{
    public static PgBackup ToOutput(CatalogEntry<Engine.Manifest.BackupManifest> entry) => new()
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
        Codec = entry.Manifest.Codec ?? "pg_dump",
        CompressionLevel = entry.Manifest.CompressionLevel,
        Tables = entry.Manifest.Schema.Tables,
        DataKey = entry.Manifest.DataKey,
        ManifestKey = entry.ManifestKey,
        Host = entry.Manifest.Host,
        LockMode = entry.Manifest.Immutability?.Mode,
        RetainUntilUtc = entry.Manifest.Immutability?.RetainUntilUtc.UtcDateTime,
        SigningKey = entry.Manifest.SigningKey,
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

    public static BackupPruneResult ToOutput(string store, PruneAction action) => new()
    {
        Store = store,
        Key = action.Key,
        Database = action.Database,
        StartedUtc = action.StartedUtc.UtcDateTime,
        SizeBytes = action.SizeBytes,
        Reason = action.Reason,
        Removed = action.Removed,
    };

    public static R2LifecycleRule ToOutput(string bucket, Engine.Lifecycle.LifecycleRuleSpec rule) => new()
    {
        Bucket = bucket,
        Id = rule.Id,
        Prefix = rule.Prefix,
        Enabled = rule.Enabled,
        Transitions = [.. rule.Transitions.Select(t => $"{t.Days}:{t.StorageClass}")],
        ExpirationDays = rule.ExpirationDays,
        AbortIncompleteMultipartDays = rule.AbortIncompleteMultipartDays,
        ManagedByBackupOps = rule.IsManaged,
        HasUnmodelledParts = rule.HasUnmodelledParts,
        Description = rule.Describe(),
    };

    public static R2LifecycleResult ToOutput(Engine.Lifecycle.LifecycleResult result) => new()
    {
        Bucket = result.Bucket,
        Provider = result.Provider.ToString(),
        InSync = result.InSync,
        Applied = result.Applied,
        DeletesSooner = result.DeletesSooner,
        Changes = [.. result.Changes.Select(c => c.Describe())],
        Rules = [.. result.Rules.Select(r => ToOutput(result.Bucket, r))],
        ForeignRules = [.. result.ForeignRules.Select(r => ToOutput(result.Bucket, r))],
        Notices = [.. result.Notices],
        Warnings = [.. result.Warnings],
    };

    public static R2ObjectCheck ToOutput(Engine.Integrity.ObjectCheck check) => new()
    {
        Bucket = check.Bucket,
        Key = check.Key,
        SizeBytes = check.SizeBytes,
        StorageClass = check.StorageClass,
        Outcome = check.Outcome switch
        {
            Engine.Integrity.ObjectCheckOutcome.Passed => R2ObjectOutcome.Passed,
            Engine.Integrity.ObjectCheckOutcome.Unverified => R2ObjectOutcome.Unverified,
            _ => R2ObjectOutcome.Failed,
        },
        Reference = check.Reference.ToString(),
        Sha256 = check.Sha256,
        Detail = check.Detail,
        SavedTo = check.SavedTo,
    };

    public static RedisSnapshot ToOutput(CatalogEntry<Engine.Redis.RedisSnapshotManifest> entry) => new()
    {
        Store = entry.Store,
        SnapshotId = entry.BackupId,
        Source = entry.Database,
        Server = entry.Manifest.SourceServer,
        Method = entry.Manifest.Method,
        Obtained = entry.Manifest.Obtained,
        StartedUtc = entry.Manifest.StartedUtc.UtcDateTime,
        Duration = TimeSpan.FromSeconds(entry.Manifest.DurationSeconds),
        SizeBytes = entry.Manifest.SizeBytes,
        Sha256 = entry.Manifest.Sha256,
        RedisVersion = entry.Manifest.RedisVersion,
        Keys = entry.Manifest.Databases.Values.Sum(d => d.Keys),
        Databases = [.. entry.Manifest.Databases.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"db{d.Key}={d.Value.Keys}")],
        DataKey = entry.Manifest.DataKey,
        SigningKey = entry.Manifest.SigningKey,
    };

    public static RedisRestoreResult ToOutput(Engine.Redis.RedisRestoreResult result) => new()
    {
        SnapshotId = result.SnapshotId,
        Source = result.Source,
        Mode = result.Mode.ToString(),
        Endpoint = result.Endpoint,
        KeptRunning = result.KeptRunning,
        SandboxDirectory = result.SandboxDirectory,
        PasswordFile = result.PasswordFile,
        DownloadDuration = result.DownloadDuration,
        RestoreDuration = result.RestoreDuration,
        Succeeded = result.Succeeded,
        Checks = [.. result.Checks.Select(ToOutput)],
    };

    public static BackupStatus ToOutput(Engine.Health.SourceStatus status) => new()
    {
        Kind = status.Kind,
        Source = status.Source,
        Status = status.State.ToString(),
        NewestBackupId = status.NewestBackupId,
        NewestStartedUtc = status.NewestStartedUtc?.UtcDateTime,
        Age = status.Age,
        SizeBytes = status.SizeBytes,
        DurationSeconds = status.DurationSeconds,
        LastFailureUtc = status.LastFailure?.StartedUtc.UtcDateTime,
        LastFailure = status.LastFailure is { } f ? $"[{f.ErrorId}] {f.Error}" : null,
        Failures = status.Failures,
        Reason = status.Reason,
    };

    public static DrDrillReport ToOutput(Engine.Drill.DrillReport report, string? json, string? junit) => new()
    {
        Environment = report.Environment,
        Operator = report.Operator,
        StartedUtc = report.StartedUtc.UtcDateTime,
        Duration = report.Duration,
        TimeToRestore = report.TimeToRestore,
        DryRun = report.DryRun,
        Succeeded = report.Succeeded,
        Checks = [.. report.Checks.Select(c => new DrDrillCheck { Name = c.Name, Component = c.Component, Outcome = c.Passed ? "Passed" : "Failed", Duration = c.Duration, Details = c.Details, FailureReason = c.FailureReason })],
        Blockers = [.. report.Blockers],
        JsonReport = json,
        JUnitReport = junit,
    };
}
