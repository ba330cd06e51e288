using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Stores;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Lists the valid PostgreSQL backups in a store, newest first.</para>
/// <para type="description">A backup is valid when its manifest exists and its data object has the recorded size. Leftovers (partial writes, data without a manifest) are reported as warnings, or as objects with -Leftover.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "PgBackup", DefaultParameterSetName = "Backups")]
[OutputType(typeof(PgBackup), ParameterSetName = ["Backups"])]
[OutputType(typeof(PgBackupLeftover), ParameterSetName = ["Leftovers"])]
public sealed class GetPgBackupCommand : StoreCmdlet
{
    /// <summary>
    /// <para type="description">The store: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Only this database's backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DatabaseCompleter))]
    public string? Database { get; set; }

    /// <summary>
    /// <para type="description">Only backups started at or after this time.</para>
    /// </summary>
    [Parameter(ParameterSetName = "Backups")]
    public DateTime? Since { get; set; }

    /// <summary>
    /// <para type="description">Only the newest backup of each database.</para>
    /// </summary>
    [Parameter(ParameterSetName = "Backups")]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">Output the leftovers that are not valid backups instead of the backups.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = "Leftovers")]
    public SwitchParameter Leftover { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var filter = new BackupCatalog.Filter(Database, Since is { } since ? new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) : null, Latest);
        if (!this.TryRun(
            async (_, token) =>
            {
                await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                return await BackupCatalog.ListAsync(store, filter, token);
            },
            out var listing))
        {
            return;
        }

        if (Leftover)
        {
            foreach (var leftover in listing.Leftovers)
            {
                WriteObject(OutputMapper.ToOutput(spec, leftover));
            }

            return;
        }

        foreach (var leftover in listing.Leftovers)
        {
            WriteWarning($"{leftover.Key} is not a valid backup: {leftover.Reason}. Remove-PgBackup cleans leftovers older than a day.");
        }

        foreach (var anomaly in listing.Anomalies)
        {
            WriteWarning($"{anomaly.Description} Remove-PgBackup leaves the sources it concerns alone until it is resolved.");
        }

        foreach (var backup in listing.Backups)
        {
            WriteObject(OutputMapper.ToOutput(backup));
        }
    }
}
