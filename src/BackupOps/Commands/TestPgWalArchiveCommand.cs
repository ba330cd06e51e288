using System.Management.Automation;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Verifies a cluster's WAL archive from the oldest base backup to now and reports the window a point-in-time restore can reach.</para>
/// <para type="description">Walks the archive along the timelines from the start of the oldest valid base backup to the newest segment: every segment must be present, and each one is read back and proven against its SHA-256 (-NoRead checks presence only). Outputs one report with the recoverable window [RecoverableFromUtc, RecoverableToUtc]; each gap and each damaged file is also written as an error (PgWalArchiveGap, PgWalSegmentDamaged) naming it.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PgWalArchive")]
[OutputType(typeof(PgWalArchiveReport))]
public sealed class TestPgWalArchiveCommand : StoreCmdlet
{
    private readonly HashSet<(string Store, string Cluster)> _done = [];

    /// <summary>
    /// <para type="description">The store the WAL is archived to (binds from Get-PgBaseBackup output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">The cluster name the WAL is filed under (binds from Get-PgBaseBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Cluster { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only check that every segment is there; do not download and hash them.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoRead { get; set; }

    /// <summary>
    /// <para type="description">age identity file for an encrypted archive, so the restored bytes are proven too.</para>
    /// </summary>
    [Parameter]
    public string? IdentityFile { get; set; }

    /// <summary>
    /// <para type="description">Segments read at once.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Parallel { get; set; } = 4;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var spec = ResolveStore(Store);

        // Get-PgBaseBackup | Test-PgWalArchive sends one object per base backup; the archive is verified once per cluster.
        if (!_done.Add((spec, Cluster)))
        {
            return;
        }

        var identity = IdentityFile is null ? null : ResolvePath(IdentityFile);
        var cluster = Cluster;
        var read = !NoRead.IsPresent;
        var parallel = Parallel;
        var options = this.S3Options();
        if (!this.TryRun(
            async (progress, token) =>
            {
                await using var store = StoreLocation.Open(spec, options);
                return await WalVerifier.VerifyAsync(store, ClusterName.Validate(cluster), read, identity, parallel, progress, token);
            },
            out var report))
        {
            return;
        }

        var output = PitrOutputMapper.ToOutput(spec, report);
        WriteObject(output);
        foreach (var gap in report.Gaps)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"WAL archive of '{report.Cluster}' in {spec} is missing {gap}: a point-in-time restore cannot pass it. Recoverable up to {output.LastRecoverableSegment ?? "nothing"}."), "PgWalArchiveGap", ErrorCategory.ObjectNotFound, gap));
        }

        foreach (var damaged in report.Damaged)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"WAL file {damaged.Name} of '{report.Cluster}' in {spec} is damaged: {Engine.Errors.FrontEndText.ForPowerShell(damaged.Problem)}"), "PgWalSegmentDamaged", ErrorCategory.InvalidData, damaged.Name));
        }

        if (report.Gaps.Count == 0 && report.Damaged.Count == 0 && report.RecoverableFromUtc is null)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"No base backup of '{report.Cluster}' in {spec} has its WAL whole: nothing is recoverable yet. Take one with Invoke-PgBaseBackup."), "PgWalArchiveNotRecoverable", ErrorCategory.InvalidResult, report.Cluster));
        }
    }
}
