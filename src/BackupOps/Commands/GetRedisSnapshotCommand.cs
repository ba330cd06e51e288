using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Stores;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Lists the valid Redis snapshots in a store, newest first.</para>
/// <para type="description">Like Get-PgBackup: a snapshot is valid when its manifest exists and its data has the recorded size; leftovers are reported as warnings.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedisSnapshot")]
[OutputType(typeof(RedisSnapshot))]
public sealed class GetRedisSnapshotCommand : StoreCmdlet
{
    /// <summary>
    /// <para type="description">The store: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Only this source's snapshots.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RedisSourceCompleter))]
    public string? Source { get; set; }

    /// <summary>
    /// <para type="description">Only snapshots started at or after this time.</para>
    /// </summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>
    /// <para type="description">Only the newest snapshot of each source.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">Only the newest this many snapshots (with -Latest: of the newest per source); manifests beyond them are not read. The twin of 'backupops redis list --limit'.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Limit { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var filter = new BackupCatalog.Filter(Source, Since is { } since ? new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) : null, Latest) { Limit = Limit };
        var s3 = this.S3Options();
        this.TryStream(
            token => CatalogStreams.ReadAsync<RedisSnapshotManifest>(spec, s3, BackupKind.Redis, filter, token),
            item =>
            {
                if (item.Backup is { } snapshot)
                {
                    WriteObject(OutputMapper.ToOutput(snapshot));
                }
                else if (item.Leftover is { } leftover)
                {
                    WriteWarning($"{leftover.Key} is not a valid snapshot: {leftover.Reason}. Remove-RedisSnapshot cleans leftovers older than a day.");
                }
                else if (item.Anomaly is { } anomaly)
                {
                    WriteWarning($"{anomaly.Description} Remove-RedisSnapshot leaves the sources it concerns alone until it is resolved.");
                }
            });
    }
}
