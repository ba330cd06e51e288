using System.Management.Automation;
using BackupOps.Engine.Drill;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Writes a commented starting point for a drill definition file.</para>
/// <para type="description">The file names the databases, buckets and Redis sources the drill checks, the smoke queries and queue bounds, and the RTO/RPO targets (docs/drill.md). An existing file is never overwritten.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "DrDrillConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DrDrillConfigFile))]
public sealed class NewDrDrillConfigCommand : BackupOpsCmdlet
{
    /// <summary>
    /// <para type="description">Where to write the file.</para>
    /// </summary>
    [Parameter(Position = 0)]
    public string Path { get; set; } = "drill.json";

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var path = ResolvePath(Path);
        if (File.Exists(path))
        {
            WriteError(new ErrorRecord(new IOException($"{path} already exists; choose another -Path."), "DrillConfigExists", ErrorCategory.ResourceExists, path));
            return;
        }

        if (this.ShouldProcessOrExplain(path, "Write drill definition starting point", "pass -Confirm:$false"))
        {
            File.WriteAllText(path, DrillConfig.StartingPoint + "\n");
            WriteObject(new DrDrillConfigFile { Path = path, Next = $"Edit it, then: Test-DrDrill -Path {path} -DryRun" });
        }
    }
}
