using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Lists the valid PostgreSQL backups in a store, newest first.</para>
/// <para type="description">A backup is valid when its manifest exists and its data object has the recorded size. Each backup is written to the pipeline as soon as its manifest is read, so the first appears at once in a large catalog and Select-Object -First N stops the reading. Leftovers (partial writes, data without a manifest) are reported as warnings after the backups, or as objects with -Leftover.</para>
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

    /// <summary>
    /// <para type="description">Only the newest this many backups (with -Latest: of the newest per database). Manifests beyond them are not read. Select-Object -First N also stops the listing early; -Limit is the twin of 'backupops pg list --limit' and reads no manifest ahead.</para>
    /// </summary>
    [Parameter(ParameterSetName = "Backups")]
    [ValidateRange(1, int.MaxValue)]
    public int? Limit { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var filter = new BackupCatalog.Filter(Database, Since is { } since ? new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) : null, Latest) { Limit = Limit };
        if (Leftover)
        {
            if (this.TryRun(
                async (_, token) =>
                {
                    await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                    return await BackupCatalog.ListAsync(store, filter, token);
                },
                out var listing))
            {
                foreach (var leftover in listing.Leftovers)
                {
                    WriteObject(OutputMapper.ToOutput(spec, leftover));
                }
            }

            return;
        }

        // Each backup goes down the pipeline as its manifest is read: '| Select-Object -First 3' stops the reads.
        var s3 = this.S3Options();
        this.TryStream(
            token => CatalogStreams.ReadAsync<BackupManifest>(spec, s3, BackupKind.Postgres, filter, token),
            item =>
            {
                if (item.Backup is { } backup)
                {
                    WriteObject(OutputMapper.ToOutput(backup));
                }
                else if (item.Leftover is { } leftover)
                {
                    WriteWarning($"{leftover.Key} is not a valid backup: {leftover.Reason}. Remove-PgBackup cleans leftovers older than a day.");
                }
                else if (item.Anomaly is { } anomaly)
                {
                    WriteWarning($"{anomaly.Description} Remove-PgBackup leaves the sources it concerns alone until it is resolved.");
                }
            });
    }
}
