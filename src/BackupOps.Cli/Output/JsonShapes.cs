using BackupOps.Engine.Catalog;
using BackupOps.Engine.Health;
using BackupOps.Engine.Integrity;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Verification;
using BackupOps.Engine.Wal;

namespace BackupOps.Cli.Output;

// The documents --json writes, one record per shape. They were anonymous types, which only reflection-based
// System.Text.Json can serialise; named, they get source-generated metadata (CliJsonContext), which the Native AOT
// binary needs. Property order and names are those of the anonymous types (camelCase on output), so the JSON is
// unchanged. One file: each shape is a few properties, and they are read together.

internal sealed record ObjectVerifyJson(IReadOnlyList<ObjectCheck> Checks, ObjectVerifySummaryJson Summary);

internal sealed record ObjectVerifySummaryJson(int Checked, int Passed, int Failed, int Unverified, long Bytes);

internal sealed record PruneJson(string? Store, int RetentionDays, int MinimumKeep, double VerifiedWithinHours, bool DryRun, IReadOnlyList<PruneAction> Actions, int Kept, IReadOnlyList<VerificationRecord> Damaged, IReadOnlyList<PruneRefusal> Refused, IReadOnlyList<PruneKept> Locked, IReadOnlyList<CatalogAnomaly> Anomalies, IEnumerable<PruneProofJson> Proofs);

internal sealed record PruneProofJson(string BackupId, string Source, string Method, DateTimeOffset VerifiedUtc);

internal sealed record PreflightJson(bool DryRun, IReadOnlyList<RestoreCheck> Checks);

internal sealed record StoredManifestJson<TManifest>(string Store, string ManifestKey, TManifest Manifest);

internal sealed record RedisListJson(string Store, IEnumerable<RedisListedJson> Snapshots, IEnumerable<RedisLeftoverJson> Leftovers);

internal sealed record RedisListedJson(string SnapshotId, string Source, string Method, DateTimeOffset StartedUtc, long SizeBytes, string Sha256, IReadOnlyDictionary<string, RedisDatabaseKeys> Databases, string DataKey);

internal sealed record RedisLeftoverJson(string Key, string Reason);

internal sealed record KeyJson(string PrivateKey, string PublicKey, string Fingerprint);

internal sealed record VerifiedJson(string Store, IReadOnlyList<VerificationRecord> Verified);

internal sealed record LifecycleJson(string Bucket, IEnumerable<LifecycleRuleJson> Rules);

internal sealed record LifecycleRuleJson(string Id, string? Prefix, bool Enabled, IReadOnlyList<LifecycleTransitionSpec> Transitions, int? ExpirationDays, int? AbortIncompleteMultipartDays, bool Managed, bool HasUnmodelledParts);

internal sealed record LifecycleResultJson(string Bucket, string Provider, bool InSync, bool Applied, bool DeletesSooner, IEnumerable<string> Changes, IEnumerable<string> Rules, IEnumerable<string> ForeignRules, IReadOnlyList<string> Notices, IReadOnlyList<string> Warnings);

internal sealed record WhatIfJson(bool DryRun, string Description);

internal sealed record PgRestoredJson(string BackupId, string? SourceDatabase, string TargetDatabase, string TargetServer, bool CreatedDatabase, long SizeBytes, double DownloadSeconds, double RestoreSeconds, double ValidationSeconds, bool Succeeded, IReadOnlyList<RestoreCheck> Checks);

internal sealed record PgListJson(string Store, IEnumerable<PgListedJson> Backups, IEnumerable<StoreLeftoverJson> Leftovers, IReadOnlyList<CatalogAnomaly> Anomalies);

internal sealed record PgListedJson(string BackupId, string Database, DateTimeOffset StartedUtc, long SizeBytes, string Sha256, bool Encrypted, string DataKey, string ManifestKey, ListedVerificationJson? Verification, string? SigningKey, bool SignatureChecked);

internal sealed record ListedVerificationJson(string Outcome, DateTimeOffset At);

internal sealed record StoreLeftoverJson(string Key, string? Database, long SizeBytes, DateTimeOffset LastModifiedUtc, string Reason)
{
    public static StoreLeftoverJson Of(BackupLeftover leftover) => new(leftover.Key, leftover.Database, leftover.SizeBytes, leftover.LastModifiedUtc, leftover.Reason);
}

internal sealed record LeftoversJson(string Store, IEnumerable<StoreLeftoverJson> Leftovers, IReadOnlyList<CatalogAnomaly> Anomalies, IEnumerable<LeftoverDatabaseJson>? Databases, IEnumerable<TempFolderJson> TemporaryFolders);

internal sealed record LeftoverDatabaseJson(string Name, string Role, string Server, long SizeBytes, DateTimeOffset? CreatedUtc, bool MadeByBackupOps, bool KnownFromRunRecord, int Sessions, string Holds, string? Comment);

internal sealed record TempFolderJson(string Path, string Purpose, long SizeBytes, DateTimeOffset CreatedUtc, bool OwnerRunning, int? ServerProcessId, bool Removable);

internal sealed record BaseListJson(string Store, string Kind, IEnumerable<BaseListedJson> Backups, IEnumerable<StoreLeftoverJson> Leftovers, IReadOnlyList<CatalogAnomaly> Anomalies);

internal sealed record BaseListedJson(string BackupId, string Cluster, DateTimeOffset StartedUtc, DateTimeOffset StopTimeUtc, string ServerVersion, uint Timeline, string StartLsn, string StopLsn, string StartWalSegment, string StopWalSegment, long SizeBytes, long DataBytes, string Sha256, bool Encrypted, string DataKey, string ManifestKey);

internal sealed record WalChecksJson(string Cluster, IReadOnlyList<RestoreCheck> Checks);

internal sealed record WalPushJson(string Name, string Outcome, string? Key, long OriginalBytes, double ProcessStartMs, IReadOnlyDictionary<string, double> TimingsMs);

internal sealed record WalVerifyJson(string Store, string Cluster, bool Succeeded, uint Timeline, int Segments, int Verified, IReadOnlyList<string> Gaps, IReadOnlyList<WalDamage> Damaged, IReadOnlyList<string> BaseBackups, DateTimeOffset? RecoverableFromUtc, DateTimeOffset? RecoverableToUtc, string? LastRecoverableSegment);

internal sealed record StatusJson(string Store, double MaxAgeHours, IReadOnlyList<SourceStatus> Sources, IReadOnlyList<WalArchiveStatus> WalArchives, IReadOnlyList<string> Leftovers, bool SignaturesChecked, int UnsignedRunRecordsIgnored);
