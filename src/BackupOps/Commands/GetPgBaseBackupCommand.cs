using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Stores;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Lists the valid PostgreSQL base backups in a store, newest first, per cluster.</para>
/// <para type="description">A base backup is valid when its manifest exists and its data object has the recorded size; the manifest is written only once the WAL the backup needs is archived. Leftovers (an interrupted base backup's partial data, data without a manifest) are reported as warnings, or as objects with -Leftover. Pipe the output to Restore-PgBaseBackup, Remove-PgBaseBackup or Test-PgWalArchive.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "PgBaseBackup", DefaultParameterSetName = BackupsSet)]
[OutputType(typeof(PgBaseBackup), ParameterSetName = [BackupsSet])]
[OutputType(typeof(PgBackupLeftover), ParameterSetName = [LeftoversSet])]
public sealed class GetPgBaseBackupCommand : StoreCmdlet
{
    private const string BackupsSet = "Backups";
    private const string LeftoversSet = "Leftovers";

    /// <summary>
    /// <para type="description">The store: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Only this cluster's base backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Cluster { get; set; }

    /// <summary>
    /// <para type="description">Only base backups started at or after this time.</para>
    /// </summary>
    [Parameter(ParameterSetName = BackupsSet)]
    public DateTime? Since { get; set; }

    /// <summary>
    /// <para type="description">Only the newest base backup of each cluster.</para>
    /// </summary>
    [Parameter(ParameterSetName = BackupsSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">Output the leftovers that are not valid base backups instead of the backups.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = LeftoversSet)]
    public SwitchParameter Leftover { get; set; }

    /// <summary>
    /// <para type="description">Only the newest this many base backups (with -Latest: of the newest per cluster); manifests beyond them are not read. The twin of 'backupops pg list --kind base --limit'.</para>
    /// </summary>
    [Parameter(ParameterSetName = BackupsSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Limit { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var since = Since is { } s ? new DateTimeOffset(s.ToUniversalTime(), TimeSpan.Zero) : (DateTimeOffset?)null;
        var cluster = Cluster;
        var filter = new BackupCatalog.Filter(cluster, since, Latest.IsPresent) { Limit = Limit };
        if (Leftover)
        {
            if (this.TryRun(
                async (_, token) =>
                {
                    if (cluster is not null)
                    {
                        Engine.Wal.ClusterName.Validate(cluster);
                    }

                    await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                    return await BackupCatalog.ListAsync<BaseBackupManifest>(store, BackupKind.PostgresBase, filter, token);
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

        var s3 = this.S3Options();
        this.TryStream(
            token =>
            {
                if (cluster is not null)
                {
                    Engine.Wal.ClusterName.Validate(cluster);
                }

                return CatalogStreams.ReadAsync<BaseBackupManifest>(spec, s3, BackupKind.PostgresBase, filter, token);
            },
            item =>
            {
                if (item.Backup is { } backup)
                {
                    WriteObject(PitrOutputMapper.ToOutput(backup));
                }
                else if (item.Leftover is { } leftover)
                {
                    WriteWarning($"{leftover.Key} is not a valid base backup: {leftover.Reason}. Remove-PgBaseBackup cleans leftovers older than a day.");
                }
                else if (item.Anomaly is { } anomaly)
                {
                    WriteWarning($"{Engine.Errors.FrontEndText.ForPowerShell(anomaly.Description)} Remove-PgBaseBackup leaves the clusters it concerns alone until it is resolved.");
                }
            });
    }
}
