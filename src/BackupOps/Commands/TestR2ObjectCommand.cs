using System.Management.Automation;
using BackupOps.Engine.Integrity;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Samples objects under a prefix, streams each through SHA-256 and compares with the hash it carries.</para>
/// <para type="description">The reference is the object's x-amz-meta-sha256 (every single-part BackupOps upload sets it), else the BackupOps manifest beside a backup, else a single-part ETag (an MD5, reported as weaker). An object whose content no longer matches is reported as Failed and written as an error, never skipped.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "R2Object", DefaultParameterSetName = "Objects")]
[OutputType(typeof(R2ObjectCheck), ParameterSetName = ["Objects"])]
[OutputType(typeof(R2ObjectSummary), ParameterSetName = ["Summary"])]
public sealed class TestR2ObjectCommand : StoreCmdlet
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
    /// <para type="description">Key prefix to sample under (the seed's s3://$R2_BUCKET/sample).</para>
    /// </summary>
    [Parameter(Position = 1)]
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">How to sample: Newest (default), Random or All.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Newest", "Random", "All")]
    public string Sample { get; set; } = "Newest";

    /// <summary>
    /// <para type="description">How many objects to check (ignored with -Sample All).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int Count { get; set; } = 10;

    /// <summary>
    /// <para type="description">Seed for -Sample Random, for a reproducible sample.</para>
    /// </summary>
    [Parameter]
    public int? Seed { get; set; }

    /// <summary>
    /// <para type="description">Keep the downloaded copies in this folder (the seed's aws s3 sync ... ./tmp).</para>
    /// </summary>
    [Parameter]
    public string? Destination { get; set; }

    /// <summary>
    /// <para type="description">Output one summary object instead of one object per checked object.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = "Summary")]
    public SwitchParameter Summary { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        this.WriteS3Verbose();
        var request = new ObjectVerifyRequest
        {
            Bucket = Bucket,
            Prefix = Prefix,
            S3 = this.S3Options(),
            Mode = Enum.Parse<SampleMode>(Sample, ignoreCase: true),
            Count = Count,
            Seed = Seed,
            Destination = Destination is null ? null : ResolvePath(Destination),
        };
        if (!this.TryRun((progress, token) => ObjectVerifier.VerifyAsync(request, progress, token), out var checks))
        {
            return;
        }

        var results = checks.Select(OutputMapper.ToOutput).ToList();
        foreach (var failed in results.Where(r => r.Outcome == R2ObjectOutcome.Failed))
        {
            WriteError(new ErrorRecord(new InvalidDataException($"{failed.Key}: {failed.Detail}"), "R2ObjectHashMismatch", ErrorCategory.InvalidData, failed.Key));
        }

        if (Summary)
        {
            WriteObject(new R2ObjectSummary
            {
                Bucket = Bucket,
                Prefix = Prefix,
                Checked = results.Count,
                Passed = results.Count(r => r.Outcome == R2ObjectOutcome.Passed),
                Failed = results.Count(r => r.Outcome == R2ObjectOutcome.Failed),
                Unverified = results.Count(r => r.Outcome == R2ObjectOutcome.Unverified),
                Bytes = results.Sum(r => r.SizeBytes),
            });
            return;
        }

        WriteObject(results, enumerateCollection: true);
    }
}
