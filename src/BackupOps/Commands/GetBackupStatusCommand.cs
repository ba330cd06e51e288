using System.Management.Automation;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Reports, for every database and Redis source in a store, the newest valid backup, its age and health.</para>
/// <para type="description">Healthy: newer than -MaxAge (default 26 hours, the seed's alert). Stale: older. Missing: an -Expect'ed source with no backup and no attempt. Failing: the newest attempt failed (from the run records every backup leaves in the store). -MetricsFile also writes Prometheus metrics for node_exporter's textfile collector. With -TrustedKey (or BACKUPOPS_TRUSTED_KEYS) a newest backup counts only when its manifest signature verifies (else its source is Failing with BackupSignatureMissing, BackupSignatureUntrusted or BackupSignatureInvalid in the reason), and run records without a valid signature are ignored, with a warning that counts them.</para>
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

    /// <summary>
    /// <para type="description">Count only what is signed by one of these public key files (PEM, from New-BackupSigningKey; several for key rotation): a newest backup whose manifest signature is missing, untrusted or broken makes its source Failing, and run records without a valid signature are ignored (a warning counts them). Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are not checked.</para>
    /// </summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);
        var metricsPath = MetricsFile is null ? null : ResolvePath(MetricsFile);
        var environment = Environment ?? System.Environment.GetEnvironmentVariable("BACKUPOPS_ENVIRONMENT");
        string[]? trusted = TrustedKey.Length == 0 ? null : [.. TrustedKey.Select(ResolvePath)];
        if (!this.TryRun(
            async (_, token) =>
            {
                await using var store = StoreLocation.OpenExisting(spec, this.S3Options());
                var now = DateTimeOffset.UtcNow;
                var report = await BackupStatusEngine.GetReportAsync(store, new StatusOptions { MaxAge = MaxAge, Expected = Expect, TrustedKeyFiles = trusted }, now, token);
                if (metricsPath is not null)
                {
                    await PrometheusMetrics.WriteAsync(metricsPath, PrometheusMetrics.Render(report.Sources, environment, now, report.SignaturesChecked ? report.UnsignedRunRecordsIgnored : null), token);
                }

                return report;
            },
            out var report))
        {
            return;
        }

        if (report.UnsignedRunRecordsIgnored > 0)
        {
            WriteWarning($"{report.UnsignedRunRecordsIgnored} unsigned run record{(report.UnsignedRunRecordsIgnored == 1 ? string.Empty : "s")} ignored (no valid signature by a trusted key: not written by a signing backup host; look at who can write to the store)");
        }

        foreach (var status in report.Sources)
        {
            WriteObject(OutputMapper.ToOutput(status));
        }
    }
}
