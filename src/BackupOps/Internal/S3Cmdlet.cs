using System.Management.Automation;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>
/// Base of cmdlets that talk to S3: endpoint, credentials and provider, and their translation into engine
/// settings (PSCredential, environment).
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

    /// <summary>S3 options: environment first, then the parameters given.</summary>
    private protected virtual S3StoreOptions S3Options()
    {
        var options = S3StoreOptions.FromEnvironment();
        if (S3Credential is not null)
        {
            options = options with { AccessKey = S3Credential.UserName, SecretKey = S3Credential.GetNetworkCredential().Password };
        }

        if (S3Endpoint is not null)
        {
            options = options with { Endpoint = S3Endpoint };
        }

        return S3Provider is null ? options : options with { Provider = S3StoreOptions.ParseProvider(S3Provider) };
    }
}
