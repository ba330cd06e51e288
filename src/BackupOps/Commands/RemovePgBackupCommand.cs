using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Removes PostgreSQL backups past their retention, or given ones, and cleans stale leftovers.</para>
/// <para type="description">The newest -MinimumKeep valid backups of each database (at least one) are never removed. Manifest first, then data, so an interrupted removal never leaves something that looks like a backup. -WhatIf lists and deletes nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "PgBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = Retention)]
[OutputType(typeof(BackupPruneResult))]
public sealed class RemovePgBackupCommand : RemoveBackupsCmdlet
{
    private const string Retention = "Retention";
    private const string ById = "ById";

    /// <summary>
    /// <para type="description">The store (binds from Get-PgBackup output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">A backup to remove (binds from Get-PgBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string BackupId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only this database's backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Database { get; set; }

    /// <summary>
    /// <para type="description">Remove backups older than this many days. Default: BACKUP_RETENTION_DAYS (one of the two is required).</para>
    /// </summary>
    [Parameter(ParameterSetName = Retention)]
    [ValidateRange(1, 36500)]
    public int? RetentionDays { get; set; }

    /// <summary>
    /// <para type="description">Newest valid backups kept per database whatever their age; at least 1.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinimumKeep { get; set; } = 1;

    /// <inheritdoc />
    protected override void ProcessRecord() =>
        RemoveBackups<Engine.Manifest.BackupManifest>(BackupKind.Postgres, Store, Database, ParameterSetName == ById ? BackupId : null, RetentionDays, MinimumKeep, "backup");
}
