using BackupOps.Engine.Catalog;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Wal;

namespace BackupOps.Internal;

/// <summary>Copies the engine's point-in-time results into the module's own output types (as <see cref="OutputMapper"/> does for dumps).</summary>
internal static class PitrOutputMapper
{
    public static PgBaseBackup ToOutput(CatalogEntry<BaseBackupManifest> entry) => new()
    {
        Store = entry.Store,
        BackupId = entry.BackupId,
        Cluster = entry.Database,
        StartedUtc = entry.Manifest.StartedUtc.UtcDateTime,
        StopTimeUtc = entry.Manifest.StopTimeUtc.UtcDateTime,
        CompletedUtc = entry.Manifest.CompletedUtc.UtcDateTime,
        Duration = TimeSpan.FromSeconds(entry.Manifest.DurationSeconds),
        SizeBytes = entry.Manifest.SizeBytes,
        DataBytes = entry.Manifest.DataBytes,
        Files = entry.Manifest.Files,
        Sha256 = entry.Manifest.Sha256,
        Encrypted = entry.Manifest.Encryption is not null,
        Recipients = [.. entry.Manifest.Encryption?.Recipients ?? []],
        ServerVersion = entry.Manifest.ServerVersion,
        SystemIdentifier = entry.Manifest.SystemIdentifier,
        Timeline = entry.Manifest.Timeline,
        StartLsn = entry.Manifest.StartLsn,
        StopLsn = entry.Manifest.StopLsn,
        StartWalSegment = entry.Manifest.StartWalSegment,
        StopWalSegment = entry.Manifest.StopWalSegment,
        Codec = entry.Manifest.Codec,
        CompressionLevel = entry.Manifest.CompressionLevel,
        DataKey = entry.Manifest.DataKey,
        ManifestKey = entry.ManifestKey,
        Host = entry.Manifest.Host,
        SigningKey = entry.Manifest.SigningKey,
    };

    public static PgWalArchiveReport ToOutput(string store, WalVerifyReport report) => new()
    {
        Store = store,
        Cluster = report.Cluster,
        Succeeded = report.Succeeded,
        Timeline = report.Timeline,
        Segments = report.Segments,
        Verified = report.Verified,
        Gaps = [.. report.Gaps],
        Damaged = [.. report.Damaged.Select(d => d.Name)],
        Problems = [.. report.Gaps.Select(g => $"missing {g}"), .. report.Damaged.Select(d => $"damaged {d.Name}: {Engine.Errors.FrontEndText.ForPowerShell(d.Problem)}")],
        BaseBackups = [.. report.BaseBackups],
        RecoverableFromUtc = report.RecoverableFromUtc?.UtcDateTime,
        RecoverableToUtc = report.RecoverableToUtc?.UtcDateTime,
        LastRecoverableSegment = report.LastRecoverableSegment,
    };

    public static PgPointInTimeRestoreResult ToOutput(string store, PitrRestoreResult result) => new()
    {
        Store = store,
        Cluster = result.Cluster,
        BaseBackupId = result.BaseBackupId,
        Target = result.Target,
        Timeline = result.Timeline,
        RecoveredToUtc = result.RecoveredToUtc?.UtcDateTime,
        WalSegments = result.WalSegments,
        DataDirectory = result.DataDirectory,
        Endpoint = result.Endpoint,
        StopCommand = result.StopCommand,
        Succeeded = result.Succeeded,
        Steps = [.. result.Steps.Select(s => new PgRecoveryStep { Name = s.Name, Duration = TimeSpan.FromSeconds(s.Seconds), Detail = s.Detail })],
        Checks = [.. result.Checks.Select(OutputMapper.ToOutput)],
    };
}
