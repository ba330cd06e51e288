using System.Management.Automation;
using BackupOps.Engine.Lifecycle;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Applies the storage-tier policy (transitions, expiration, abort of incomplete uploads) to a bucket, managing only BackupOps' own rules.</para>
/// <para type="description">Idempotent: nothing is written when the bucket already matches (compared without depending on rule or transition order). Rules of others are kept unless -Replace. -WhatIf prints the difference. A change that deletes objects sooner than before asks for confirmation again unless -Force. On Cloudflare R2 the default policy's Archive phase is not applied (R2 has no archive class) and the output says so.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "R2Lifecycle", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(R2LifecycleResult))]
public sealed class SetR2LifecycleCommand : LifecyclePolicyCmdlet
{
    /// <summary>
    /// <para type="description">Replace the bucket's whole configuration, removing rules BackupOps does not manage.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    /// <summary>
    /// <para type="description">Apply a change that deletes objects sooner without the extra confirmation.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        this.WriteS3Verbose();
        var request = this.LifecycleRequest(Replace);
        if (!this.TryRun((_, token) => LifecycleEngine.PlanAsync(request, token), out var plan))
        {
            return;
        }

        this.WriteAdvice(plan);
        if (plan.InSync)
        {
            WriteVerbose($"{Bucket}: lifecycle already matches the policy; nothing written.");
            WriteObject(OutputMapper.ToOutput(plan));
            return;
        }

        var difference = string.Join("; ", plan.Changes.Select(c => c.Describe()));
        if (!this.ShouldProcessOrExplain(Bucket, $"Set lifecycle: {difference}", "pass -Confirm:$false, and -Force for a change that deletes objects sooner"))
        {
            return;
        }

        if (plan.DeletesSooner && !Force && !this.ShouldContinueOrExplain(
            $"This lifecycle change makes '{Bucket}' delete objects sooner than before ({difference}). Deleted objects cannot be recovered. Continue?",
            "Objects will be deleted sooner",
            "pass -Force (with -Confirm:$false) to apply a change that deletes objects sooner"))
        {
            return;
        }

        if (this.TryRun((_, token) => LifecycleEngine.ApplyAsync(request, token), out var applied))
        {
            WriteObject(OutputMapper.ToOutput(applied));
        }
    }
}
