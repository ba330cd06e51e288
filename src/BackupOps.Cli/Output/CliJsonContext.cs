using System.Text.Json.Serialization;

namespace BackupOps.Cli.Output;

/// <summary>
/// Source-generated metadata for every document --json writes (<see cref="JsonOutput"/>): the Native AOT binary has
/// no runtime code generation, so reflection-based serialisation is not available to it. A type written without an
/// entry here fails at run time with a NotSupportedException naming it.
/// </summary>
[JsonSerializable(typeof(ObjectVerifyJson))]
[JsonSerializable(typeof(PruneJson))]
[JsonSerializable(typeof(PreflightJson))]
[JsonSerializable(typeof(StoredManifestJson<Engine.Manifest.BackupManifest>))]
[JsonSerializable(typeof(StoredManifestJson<Engine.Physical.BaseBackupManifest>))]
[JsonSerializable(typeof(StoredManifestJson<Engine.Redis.RedisSnapshotManifest>))]
[JsonSerializable(typeof(RedisListJson))]
[JsonSerializable(typeof(KeyJson))]
[JsonSerializable(typeof(VerifiedJson))]
[JsonSerializable(typeof(LifecycleJson))]
[JsonSerializable(typeof(IEnumerable<LifecycleResultJson>))]
[JsonSerializable(typeof(WhatIfJson))]
[JsonSerializable(typeof(PgRestoredJson))]
[JsonSerializable(typeof(PgListJson))]
[JsonSerializable(typeof(LeftoversJson))]
[JsonSerializable(typeof(BaseListJson))]
[JsonSerializable(typeof(PgListedJson))] // pg list --json streams its elements one by one (PgListOutput, JsonStream)
[JsonSerializable(typeof(BaseListedJson))]
[JsonSerializable(typeof(RedisListedJson))]
[JsonSerializable(typeof(IEnumerable<StoreLeftoverJson>))]
[JsonSerializable(typeof(IEnumerable<RedisLeftoverJson>))]
[JsonSerializable(typeof(IEnumerable<Engine.Catalog.CatalogAnomaly>))]
[JsonSerializable(typeof(WalChecksJson))]
[JsonSerializable(typeof(WalPushJson))]
[JsonSerializable(typeof(WalVerifyJson))]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(Engine.Drill.DrillReport))]
[JsonSerializable(typeof(Engine.Wal.WalSetupPlan))]
[JsonSerializable(typeof(Engine.Redis.RedisRestoreResult))]
[JsonSerializable(typeof(Engine.Physical.PitrRestoreResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
