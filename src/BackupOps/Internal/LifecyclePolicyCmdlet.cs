using System.Management.Automation;

using BackupOps.Completion;

namespace BackupOps.Internal;

/// <summary>Base of Set-R2Lifecycle and Test-R2Lifecycle: the bucket and the policy parameters both take.</summary>
public abstract class LifecyclePolicyCmdlet : S3Cmdlet
{
    /// <summary>
    /// <para type="description">The bucket (accepts bucket names from the pipeline).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("BucketName", "Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BucketCompleter))]
    public string Bucket { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">JSON template with per-prefix rules for several buckets (docs/r2-lifecycle.md). Without it the seed's default policy applies.</para>
    /// </summary>
    [Parameter]
    public string? Template { get; set; }

    /// <summary>
    /// <para type="description">Days in Standard before Infrequent Access. Default: R2_TRANSITION_STANDARD_DAYS, else 30.</para>
    /// </summary>
    [Parameter]
    public int? TransitionDays { get; set; }

    /// <summary>
    /// <para type="description">Days before Archive (an error on R2, which has no archive class). Default: R2_TRANSITION_ARCHIVE_DAYS, else 180 where the provider has an archive class.</para>
    /// </summary>
    [Parameter]
    public int? ArchiveDays { get; set; }

    /// <summary>
    /// <para type="description">Leave the Archive phase out.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoArchive { get; set; }

    /// <summary>
    /// <para type="description">Days before deletion. Default: R2_EXPIRATION_DAYS, else 540.</para>
    /// </summary>
    [Parameter]
    public int? ExpirationDays { get; set; }

    /// <summary>
    /// <para type="description">Days before incomplete multipart uploads are aborted. Default: R2_ABORT_MULTIPART_DAYS, else 7.</para>
    /// </summary>
    [Parameter]
    public int? AbortMultipartDays { get; set; }

    /// <summary>
    /// <para type="description">Scope of the default rule (not used with -Template, whose rules carry their own prefixes).</para>
    /// </summary>
    [Parameter]
    public string? Prefix { get; set; }

    /// <summary>
    /// <para type="description">Prefixes under legal hold: a rule that would expire objects under them is refused.</para>
    /// </summary>
    [Parameter]
    public string[] LegalHoldPrefix { get; set; } = [];

    /// <summary>
    /// <para type="description">Backup retention in days to reconcile with (default: BACKUP_RETENTION_DAYS when set).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 36500)]
    public int? BackupRetentionDays { get; set; }

    /// <summary>
    /// <para type="description">Where backups live in the bucket, for the retention reconciliation. Default: pg/.</para>
    /// </summary>
    [Parameter]
    public string BackupPrefix { get; set; } = Engine.Backup.BackupKeys.PostgresPrefix; // a const: compiled in, no engine load
}
