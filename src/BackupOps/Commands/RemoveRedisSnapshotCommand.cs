using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Redis;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Removes Redis snapshots past their retention, or given ones, and cleans stale leftovers.</para>
/// <para type="description">The same rules as Remove-PgBackup: the newest -MinimumKeep valid snapshots of each source (at least one) are never removed; manifest first, then data; -WhatIf lists and deletes nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "RedisSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = RetentionSet)]
[OutputType(typeof(BackupPruneResult))]
public sealed class RemoveRedisSnapshotCommand : RemoveBackupsCmdlet
{
    /// <summary>
    /// <para type="description">A snapshot to remove (binds from Get-RedisSnapshot output).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string SnapshotId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only this source's snapshots.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RedisSourceCompleter))]
    public string? Source { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() =>
        this.RemoveBackups<RedisSnapshotManifest>(BackupKind.Redis, Source, ParameterSetName == ByIdSet ? SnapshotId : null, "Redis snapshot");
}
