using System.Management.Automation;
using BackupOps.Engine.Physical;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Recovers a PostgreSQL cluster to a point in time (or to the last archived WAL) from a base backup and the WAL archive, then validates it.</para>
/// <para type="description">Picks the newest base backup that ends before the target (or the one piped in), checks that the archive holds every WAL segment from it to the target (refusing, with the gap named, before anything is extracted), extracts it while its SHA-256 is checked, writes the recovery settings, starts PostgreSQL on a free 127.0.0.1 port, waits until recovery reaches the target and the server is promoted, and validates (smoke queries, critical tables). Reports the moment actually recovered to and each step's time. The disposable server is removed afterwards unless -KeepRunning; -DataDirectory prepares a folder you start yourself. On failure nothing that looks like a restored server is left. The recovered server fetches WAL with the backupops CLI: BACKUPOPS_CLI names it, else backupops on PATH.</para>
/// </summary>
[Cmdlet(VerbsData.Restore, "PgBaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ToTimeSet)]
[OutputType(typeof(PgPointInTimeRestoreResult))]
public sealed class RestorePgBaseBackupCommand : ReportingStoreCmdlet
{
    private const string ToTimeSet = "PointInTime";
    private const string ToLatestSet = "Latest";

    /// <summary>
    /// <para type="description">The store holding the base backups and WAL (binds from Get-PgBaseBackup output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">The cluster name the base backups and WAL are filed under (binds from Get-PgBaseBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Cluster { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Recover to this moment (recovery_target_time): a [DateTimeOffset], a [DateTime], or text such as '2026-12-01 10:15:00+00'.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ToTimeSet)]
    public DateTimeOffset PointInTime { get; set; }

    /// <summary>
    /// <para type="description">Recover to the last archived WAL.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ToLatestSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">Recover from this base backup instead of the newest that ends before the target (binds from Get-PgBaseBackup output).</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? BackupId { get; set; }

    /// <summary>
    /// <para type="description">Recover into this folder and leave it for you to start (the replay happens when you start PostgreSQL on it). A non-empty folder is refused unless -Force.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataDirectory { get; set; }

    /// <summary>
    /// <para type="description">Replace the contents of a non-empty -DataDirectory. Asks for confirmation even at the default $ConfirmPreference; scripts pass -Force -Confirm:$false.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// <para type="description">Leave the recovered server running on 127.0.0.1; its endpoint and stop command are in the output.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter KeepRunning { get; set; }

    /// <summary>
    /// <para type="description">Database the smoke queries and critical-table counts run in. Default: postgres.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = "postgres";

    /// <summary>
    /// <para type="description">Tables whose row count is reported after recovery.</para>
    /// </summary>
    [Parameter]
    public string[] CriticalTable { get; set; } = [];

    /// <summary>
    /// <para type="description">Smoke queries with expectations, written 'SELECT count(*) FROM events => > 0'.</para>
    /// </summary>
    [Parameter]
    public string[] SmokeQuery { get; set; } = [];

    /// <summary>
    /// <para type="description">age identity file for encrypted base backups and WAL.</para>
    /// </summary>
    [Parameter]
    public string? IdentityFile { get; set; }

    /// <summary>
    /// <para type="description">Folder for the disposable server. Default: BACKUPOPS_TEMP or the system temp folder.</para>
    /// </summary>
    [Parameter]
    public string? TempDirectory { get; set; }

    /// <summary>
    /// <para type="description">Minutes recovery may take before it is given up (and the server removed).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 10080)]
    public int RecoveryTimeoutMinutes { get; set; } = 60;

    /// <summary>
    /// <para type="description">Require a valid signature by one of these public key files (PEM, from New-BackupSigningKey; several for key rotation). A missing, untrusted or broken signature is refused before the data directory is prepared or anything downloaded (WAL segments are not signed). Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are reported but not required.</para>
    /// </summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ResolveStore(Store);
        var dataDirectory = DataDirectory is null ? null : ResolvePath(DataDirectory);
        var identity = IdentityFile is null ? null : ResolvePath(IdentityFile);
        var temp = TempDirectory is null ? null : ResolvePath(TempDirectory);
        var fetch = FetchCommand();
        var target = ParameterSetName == ToLatestSet ? "the last archived WAL" : $"{PointInTime.ToUniversalTime():yyyy-MM-dd HH:mm:ss.fff} UTC";
        string[]? trusted = TrustedKey.Length == 0 ? null : [.. TrustedKey.Select(ResolvePath)];
        PitrRestoreRequest Request() => new()
        {
            Cluster = Engine.Wal.ClusterName.Validate(Cluster),
            Store = store,
            S3 = this.S3Options(),
            TargetTime = ParameterSetName == ToTimeSet ? PointInTime : null,
            Latest = ParameterSetName == ToLatestSet,
            BaseBackupId = string.IsNullOrWhiteSpace(BackupId) ? null : BackupId,
            DataDirectory = dataDirectory,
            Force = Force,
            KeepRunning = KeepRunning,
            Database = Database,
            CriticalTables = CriticalTable,
            SmokeQueries = [.. SmokeQuery.Select(Engine.Restore.SmokeQuery.Parse)],
            IdentityFile = identity,
            TempDirectory = temp,
            FetchCommand = fetch,
            RecoveryTimeout = TimeSpan.FromMinutes(RecoveryTimeoutMinutes),
            TrustedKeyFiles = trusted,
            Reporting = this.Reporting(),
        };

        // Bad input (cluster name, smoke query syntax, both modes, no CLI) is reported before anything is asked.
        if (!this.TryRun((_, _) => { Request().Validate(); return Task.FromResult(true); }, out _))
        {
            return;
        }

        var into = dataDirectory ?? "a disposable server on 127.0.0.1";
        if (!this.ShouldProcessOrExplain($"cluster {Cluster} from {store} to {target}, into {into}", "Recover PostgreSQL to a point in time", "pass -Confirm:$false"))
        {
            return;
        }

        if (dataDirectory is not null && Force && Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any() && !this.ConfirmHighImpact(
            $"The current contents of '{dataDirectory}' will be deleted and replaced by the recovery of {Cluster}. Continue?",
            "Replace a non-empty data directory",
            "pass -Force -Confirm:$false to replace a non-empty data directory"))
        {
            return;
        }

        var done = this.TryRun((progress, token) => PitrRestoreEngine.RunAsync(Request(), progress, token), out var result);
        FlushReportingWarnings();
        if (!done)
        {
            return;
        }

        var output = PitrOutputMapper.ToOutput(store, result);
        WriteObject(output);
        foreach (var failed in output.Checks.Where(c => c.Outcome == BackupCheckOutcome.Failed))
        {
            WriteError(new ErrorRecord(new InvalidDataException($"Validation failed: {failed.Name}: {failed.Detail}"), "PgPointInTimeValidationFailed", ErrorCategory.InvalidResult, Cluster));
        }
    }

    /// <summary>How the recovered server runs 'backupops pg wal fetch': BACKUPOPS_CLI, else backupops on PATH; empty lets the engine say what to set.</summary>
    private IReadOnlyList<string> FetchCommand()
    {
        if (Environment.GetEnvironmentVariable("BACKUPOPS_CLI") is { Length: > 0 } cli)
        {
            return [cli];
        }

        var found = InvokeCommand.GetCommand("backupops", CommandTypes.Application) as ApplicationInfo;
        return found is null ? [] : [found.Path];
    }
}
