using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Redis;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Removes Redis snapshots past their retention, or given ones, and cleans stale leftovers.</para>
/// <para type="description">The same rules as Remove-PgBackup: the newest -MinimumKeep valid snapshots of each source (at least one) are never removed; manifest first, then data; -WhatIf lists and deletes nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "RedisSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = Retention)]
[OutputType(typeof(BackupPruneResult))]
public sealed class RemoveRedisSnapshotCommand : RemoveBackupsCmdlet
{
    private const string Retention = "Retention";
    private const string ById = "ById";

    /// <summary>
    /// <para type="description">The store (binds from Get-RedisSnapshot output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">A snapshot to remove (binds from Get-RedisSnapshot output).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string SnapshotId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only this source's snapshots.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Source { get; set; }

    /// <summary>
    /// <para type="description">Remove snapshots older than this many days. Default: BACKUP_RETENTION_DAYS (one of the two is required).</para>
    /// </summary>
    [Parameter(ParameterSetName = Retention)]
    [ValidateRange(1, 36500)]
    public int? RetentionDays { get; set; }

    /// <summary>
    /// <para type="description">Newest valid snapshots kept per source whatever their age; at least 1.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinimumKeep { get; set; } = 1;

    /// <inheritdoc />
    protected override void ProcessRecord() =>
        RemoveBackups<RedisSnapshotManifest>(BackupKind.Redis, Store, Source, ParameterSetName == ById ? SnapshotId : null, RetentionDays, MinimumKeep, "Redis snapshot");
}
