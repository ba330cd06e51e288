using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>
/// Base of cmdlets that use a store: the S3 parameters plus server-side encryption, and store specs resolved
/// against the current PowerShell location.
/// </summary>
public abstract class StoreCmdlet : S3Cmdlet
{
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

    /// <summary>The store when neither -Store nor the pipeline gives one: BACKUP_DIR, else ./backups (as the engine's default).</summary>
    internal static string DefaultStore => Environment.GetEnvironmentVariable("BACKUP_DIR") is { Length: > 0 } dir ? dir : "./backups";

    /// <summary>The store spec with folder paths resolved against the current PowerShell location.</summary>
    internal string ResolveStore(string? store)
    {
        var spec = string.IsNullOrWhiteSpace(store) ? DefaultStore : store;
        var resolved = spec.Contains("://", StringComparison.Ordinal) ? spec : ResolveFolderStore(spec);
        WriteVerbose($"Store: {resolved}{(string.IsNullOrWhiteSpace(store) ? " (default: BACKUP_DIR, else ./backups)" : string.Empty)}");
        if (resolved.Contains("://", StringComparison.Ordinal))
        {
            this.WriteS3Verbose();
        }

        return resolved;
    }

    /// <summary>
    /// A folder store against the current location. "s3:bucket" (one slash pair short of a URL) would otherwise
    /// surface as PowerShell's DriveNotFound about a drive nobody meant; say what the value looks like instead.
    /// </summary>
    private string ResolveFolderStore(string spec)
    {
        try
        {
            return ResolvePath(spec);
        }
        catch (System.Management.Automation.DriveNotFoundException)
        {
            var drive = spec[..spec.IndexOf(':', StringComparison.Ordinal)];
            var message = $"-Store '{spec}' is neither a folder nor a URL: PowerShell has no drive '{drive}:'. For S3 or R2 write s3://bucket/prefix; for a folder give a path such as ./backups.";
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), "StoreSpecInvalid", ErrorCategory.InvalidArgument, spec));
            throw; // ThrowTerminatingError does not return.
        }
    }
}
