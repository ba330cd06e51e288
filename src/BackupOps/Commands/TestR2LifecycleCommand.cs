using System.Management.Automation;
using BackupOps.Engine.Lifecycle;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Compares a bucket's lifecycle with the policy: missing, extra and different rules (the drill's check).</para>
/// <para type="description">Changes nothing. InSync is true when every BackupOps rule is present and equal, and no stray BackupOps rule exists. Rules of others are listed apart and never count as drift.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "R2Lifecycle")]
[OutputType(typeof(R2LifecycleResult))]
public sealed class TestR2LifecycleCommand : LifecyclePolicyCmdlet
{
    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        this.WriteS3Verbose();
        var request = this.LifecycleRequest(replace: false);
        if (this.TryRun((_, token) => LifecycleEngine.PlanAsync(request, token), out var drift))
        {
            this.WriteAdvice(drift);
            WriteObject(OutputMapper.ToOutput(drift));
        }
    }
}
