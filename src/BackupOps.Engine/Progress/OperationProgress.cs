namespace BackupOps.Engine.Progress;

/// <summary>A progress report for long work (streaming bytes, restoring, validating).</summary>
/// <param name="Activity">What is going on (<c>Backing up app</c>).</param>
/// <param name="Status">Current step (<c>streaming pg_dump to s3://...</c>).</param>
/// <param name="BytesDone">Bytes processed so far.</param>
/// <param name="BytesTotal">Total bytes when known.</param>
/// <param name="BytesPerSecond">Average rate since the step started.</param>
public sealed record OperationProgress(string Activity, string Status, long BytesDone, long? BytesTotal, double BytesPerSecond)
{
    /// <summary>Percent done when the total is known, else -1.</summary>
    public int PercentComplete => BytesTotal is > 0 ? (int)Math.Min(100, BytesDone * 100 / BytesTotal.Value) : -1;
}
