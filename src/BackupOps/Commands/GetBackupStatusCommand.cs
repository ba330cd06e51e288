using System.Management.Automation;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Reports, for every database and Redis source in a store, the newest valid backup, its age and health.</para>
/// <para type="description">Healthy: newer than -MaxAge (default 26 hours, the seed's alert). Stale: older. Missing: an -Expect'ed source with no backup and no attempt. Failing: the newest attempt failed (from the run records every backup leaves in the store). -MetricsFile also writes Prometheus metrics for node_exporter's textfile collector.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "BackupStatus")]
[OutputType(typeof(BackupStatus))]
public sealed class GetBackupStatusCommand : StoreCmdlet
{
    /// <summary>
    /// <para type="description">The store: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">A newest backup older than this is Stale. Default: 26 hours.</para>
    /// </summary>
    [Parameter]
    public TimeSpan MaxAge { get; set; } = BackupStatusEngine.DefaultMaxAge;

    /// <summary>
    /// <para type="description">Sources that must have backups even if none exist yet: postgresql:&lt;database&gt; or redis:&lt;source&gt;. A bare name means postgresql:&lt;name&gt;.</para>
    /// </summary>
    [Parameter]
    public string[] Expect { get; set; } = [];

    /// <summary>
    /// <para type="description">Also write Prometheus metrics to this file (written atomically), e.g. /var/lib/node_exporter/textfile_collector/backupops.prom.</para>
    /// </summary>
    [Parameter]
    public string? MetricsFile { get; set; }

    /// <summary>
    /// <para type="description">Environment label for the metrics. Default: BACKUPOPS_ENVIRONMENT.</para>
    /// </summary>
    [Parameter]
    public string? Environment { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var metricsPath = MetricsFile is null ? null : ResolvePath(MetricsFile);
        var environment = Environment ?? System.Environment.GetEnvironmentVariable("BACKUPOPS_ENVIRONMENT");
        if (!this.TryRun(
            async (_, token) =>
            {
                await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                var now = DateTimeOffset.UtcNow;
                var statuses = await BackupStatusEngine.GetAsync(store, MaxAge, Expect, now, token);
                if (metricsPath is not null)
                {
                    await PrometheusMetrics.WriteAsync(metricsPath, PrometheusMetrics.Render(statuses, environment, now), token);
                }

                return statuses;
            },
            out var statuses))
        {
            return;
        }

        foreach (var status in statuses)
        {
            WriteObject(OutputMapper.ToOutput(status));
        }
    }
}
