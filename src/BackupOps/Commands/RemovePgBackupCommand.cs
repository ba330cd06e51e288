using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Removes PostgreSQL backups past their retention, or given ones, and cleans stale leftovers.</para>
/// <para type="description">The newest -MinimumKeep valid backups of each database (at least one) are never removed. Manifest first, then data, so an interrupted removal never leaves something that looks like a backup. -WhatIf lists and deletes nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "PgBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = RetentionSet)]
[OutputType(typeof(BackupPruneResult))]
public sealed class RemovePgBackupCommand : RemoveBackupsCmdlet
{
    /// <summary>
    /// <para type="description">A backup to remove (binds from Get-PgBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string BackupId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only this database's backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DatabaseCompleter))]
    public string? Database { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord() =>
        this.RemoveBackups<Engine.Manifest.BackupManifest>(BackupKind.Postgres, Database, ParameterSetName == ByIdSet ? BackupId : null, "backup");
}
