using System.Management.Automation;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>
/// Base of cmdlets that use a store: the S3 parameters every one of them takes, and the translation of
/// PowerShell inputs (PSCredential, relative paths) into engine settings.
/// </summary>
public abstract class StoreCmdlet : BackupOpsCmdlet
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

    /// <summary>
    /// <para type="description">Server-side encryption: Default (AES256 on AWS, none on R2 and generic servers), None, AES256, aws:kms, sse-c.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Default", "None", "AES256", "aws:kms", "sse-c")]
    public string? ServerSideEncryption { get; set; }

    /// <summary>
    /// <para type="description">KMS key id for aws:kms server-side encryption.</para>
    /// </summary>
    [Parameter]
    public string? KmsKeyId { get; set; }

    /// <summary>The store spec with folder paths resolved against the current PowerShell location.</summary>
    private protected string ResolveStore(string? store)
    {
        var spec = string.IsNullOrWhiteSpace(store) ? StoreLocation.DefaultSpec : store;
        return spec.Contains("://", StringComparison.Ordinal) ? spec : ResolvePath(spec);
    }

    /// <summary>S3 options: environment first, then the parameters given.</summary>
    private protected S3StoreOptions S3Options()
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

        if (S3Provider is not null)
        {
            options = options with { Provider = S3StoreOptions.ParseProvider(S3Provider) };
        }

        if (ServerSideEncryption is not null)
        {
            options = options with { Encryption = S3StoreOptions.ParseEncryption(ServerSideEncryption) };
        }

        if (KmsKeyId is not null)
        {
            options = options with { KmsKeyId = KmsKeyId };
        }

        return options;
    }
}
