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

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var filter = new BackupCatalog.Filter(Source, Since is { } since ? new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) : null, Latest);
        if (!this.TryRun(
            async (_, token) =>
            {
                await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                return await BackupCatalog.ListAsync<RedisSnapshotManifest>(store, BackupKind.Redis, filter, token);
            },
            out var listing))
        {
            return;
        }

        foreach (var leftover in listing.Leftovers)
        {
            WriteWarning($"{leftover.Key} is not a valid snapshot: {leftover.Reason}. Remove-RedisSnapshot cleans leftovers older than a day.");
        }

        foreach (var anomaly in listing.Anomalies)
        {
            WriteWarning($"{anomaly.Description} Remove-RedisSnapshot leaves the sources it concerns alone until it is resolved.");
        }

        foreach (var snapshot in listing.Backups)
        {
            WriteObject(OutputMapper.ToOutput(snapshot));
        }
    }
}
