using System.Management.Automation;
using BackupOps.Engine.Drill;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Runs the monthly disaster-recovery drill: restores, validates, samples and compares every component of a drill definition.</para>
/// <para type="description">Each database's latest backup is restored into a disposable PostgreSQL (version matching the backup) and validated; sampled objects are hashed; lifecycle is compared with its template; the latest Redis snapshot is restored into a sandbox; RTO and RPO are measured against the targets. Checks are independent. The outcome is appended to the Markdown drill log and written as JSON and JUnit XML. -DryRun checks credentials and reachability only; -Demo needs no definition.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DrDrill", DefaultParameterSetName = "Definition")]
[OutputType(typeof(DrDrillReport))]
public sealed class TestDrDrillCommand : S3Cmdlet
{
    /// <summary>
    /// <para type="description">The drill definition file (New-DrDrillConfig writes a starting point).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Definition", ValueFromPipelineByPropertyName = true)]
    [Alias("Config", "FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only check credentials and reachability of every component.</para>
    /// </summary>
    [Parameter(ParameterSetName = "Definition")]
    public SwitchParameter DryRun { get; set; }

    /// <summary>
    /// <para type="description">Restore into this existing server (postgresql://user@host:5432/db, without a password: PGPASSWORD or ~/.pgpass) instead of a disposable one.</para>
    /// </summary>
    [Parameter(ParameterSetName = "Definition")]
    public string? TargetConnection { get; set; }

    /// <summary>
    /// <para type="description">Start a disposable PostgreSQL and Redis with sample data, back them up and drill them; everything is removed afterwards.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = "Demo")]
    public SwitchParameter Demo { get; set; }

    /// <summary>
    /// <para type="description">Folder for disposable servers and downloads (must be reachable by the postgres user). Default: BACKUPOPS_TEMP or the system temp folder.</para>
    /// </summary>
    [Parameter]
    public string? TempDirectory { get; set; }

    /// <summary>
    /// <para type="description">Require a valid signature by one of these public key files (PEM, from New-BackupSigningKey; several for key rotation). A missing, untrusted or broken signature is refused before a drill restore touches its disposable target. Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are reported but not required.</para>
    /// </summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var temp = TempDirectory is null ? null : ResolvePath(TempDirectory);
        if (Demo)
        {
            if (this.TryRun((progress, token) => DrillDemo.RunAsync(temp, progress, token), out var demo))
            {
                WriteObject(OutputMapper.ToOutput(demo, null, null));
            }

            return;
        }

        var path = ResolvePath(Path);
        string[]? trusted = TrustedKey.Length == 0 ? null : [.. TrustedKey.Select(ResolvePath)];
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (!this.TryRun(
            async (progress, token) =>
            {
                // Parameters first, as the CLI: a password in -TargetConnection is refused before any file is read.
                var targetServer = TargetConnection is null ? null : EngineSettings.WithoutPassword(TargetConnection, "-TargetConnection");
                var config = DrillConfig.Load(path);
                // Relative log and report paths are relative to the definition file.
                config = config with { LogPath = System.IO.Path.Combine(directory, config.LogPath), ReportDirectory = System.IO.Path.Combine(directory, config.ReportDirectory) };
                var report = await DrillRunner.RunAsync(
                    new DrillRequest
                    {
                        Config = config,
                        S3 = this.S3Options(),
                        DryRun = DryRun,
                        TargetConnection = targetServer,
                        TempDirectory = temp,
                        TrustedKeyFiles = trusted,
                    },
                    progress,
                    token);
                var (json, junit) = DrillReportWriter.WriteAll(report, config.ReportDirectory, config.LogPath);
                return (report, json, junit);
            },
            out var outcome))
        {
            return;
        }

        var output = OutputMapper.ToOutput(outcome.report, outcome.json, outcome.junit);
        WriteObject(output);
        foreach (var blocker in output.Blockers)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(blocker), "DrDrillCheckFailed", ErrorCategory.InvalidResult, output.Environment));
        }
    }
}
