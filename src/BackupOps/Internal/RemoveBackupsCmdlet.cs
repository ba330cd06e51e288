using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>
/// Base of Remove-PgBackup and Remove-RedisSnapshot: one removal path for every kind, so both keep the same
/// rules (never the newest valid backup; manifest first; one confirmation per item; -WhatIf removes nothing).
/// </summary>
public abstract class RemoveBackupsCmdlet : StoreCmdlet
{
    /// <summary>Name of the parameter set that removes by retention.</summary>
    internal const string RetentionSet = "Retention";

    /// <summary>Name of the parameter set that removes given backups.</summary>
    internal const string ByIdSet = "ById";

    /// <summary>
    /// <para type="description">The store (binds from Get-PgBackup / Get-RedisSnapshot output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Remove backups older than this many days. Default: BACKUP_RETENTION_DAYS (one of the two is required).</para>
    /// </summary>
    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(1, 36500)]
    public int? RetentionDays { get; set; }

    /// <summary>
    /// <para type="description">Newest valid backups kept per database or source whatever their age; at least 1.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinimumKeep { get; set; } = 1;
}
