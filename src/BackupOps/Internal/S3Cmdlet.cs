using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>
/// Base of cmdlets that talk to S3: endpoint, credentials and provider, translated into engine settings by
/// <see cref="EngineSettings"/>.
/// </summary>
public abstract class S3Cmdlet : BackupOpsCmdlet
{
    /// <summary>
    /// <para type="description">S3 access key (user name) and secret key (password). Default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS default credential chain.</para>
    /// </summary>
    [Parameter]
    [Credential]
    public PSCredential? S3Credential { get; set; }

    /// <summary>
    /// <para type="description">S3 endpoint URL (Ceph, MinIO, R2). Default: AWS_ENDPOINT_URL, or the R2 endpoint from R2_ACCOUNT_ID.</para>
    /// </summary>
    [Parameter]
    public string? S3Endpoint { get; set; }

    /// <summary>
    /// <para type="description">Provider profile: Auto (from the endpoint), Aws, R2 or Generic.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Auto", "Aws", "R2", "Generic")]
    public string? S3Provider { get; set; }
}
