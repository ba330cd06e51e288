using System.Management.Automation;
using BackupOps.Engine.Lifecycle;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Gets a bucket's lifecycle rules as objects.</para>
/// <para type="description">Rules are normalised (transitions in order, an empty prefix for the whole bucket) whatever form the server returns them in. ManagedByBackupOps tells BackupOps' rules from others'.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "R2Lifecycle")]
[OutputType(typeof(R2LifecycleRule))]
public sealed class GetR2LifecycleCommand : S3Cmdlet
{
    /// <summary>
    /// <para type="description">The bucket (accepts bucket names from the pipeline).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("BucketName", "Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BucketCompleter))]
    public string Bucket { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        this.WriteS3Verbose();
        var options = this.S3Options();
        if (this.TryRun((_, token) => LifecycleEngine.GetAsync(Bucket, options, token), out var lifecycle))
        {
            foreach (var rule in lifecycle.Rules)
            {
                WriteObject(OutputMapper.ToOutput(Bucket, rule));
            }
        }
    }
}
