using BackupOps.Engine.Errors;
using BackupOps.Engine.Lifecycle;

namespace BackupOps.Internal;

/// <summary>The lifecycle cmdlets' parameters as an engine request, and the engine's advice as warnings.</summary>
internal static class LifecycleRequests
{
    /// <summary>The engine request for the cmdlet's current bucket.</summary>
    public static LifecycleRequest LifecycleRequest(this LifecyclePolicyCmdlet cmdlet, bool replace) => new()
    {
        Bucket = cmdlet.Bucket,
        S3 = cmdlet.S3Options(),
        TemplatePath = cmdlet.Template is null ? null : cmdlet.ResolvePath(cmdlet.Template),
        Overrides = new LifecycleOverrides
        {
            TransitionDays = cmdlet.TransitionDays,
            ArchiveDays = cmdlet.ArchiveDays,
            NoArchive = cmdlet.NoArchive,
            ExpirationDays = cmdlet.ExpirationDays,
            AbortMultipartDays = cmdlet.AbortMultipartDays,
            Prefix = cmdlet.Prefix,
            LegalHoldPrefixes = cmdlet.LegalHoldPrefix,
        },
        Replace = replace,
        BackupRetentionDays = cmdlet.BackupRetentionDays,
        BackupPrefix = cmdlet.BackupPrefix,
    };

    /// <summary>Notices and retention conflicts as warnings.</summary>
    public static void WriteAdvice(this LifecyclePolicyCmdlet cmdlet, LifecycleResult result)
    {
        foreach (var line in result.Notices.Concat(result.Warnings))
        {
            cmdlet.WriteWarning($"{result.Bucket}: {FrontEndText.ForPowerShell(line)}");
        }
    }
}
