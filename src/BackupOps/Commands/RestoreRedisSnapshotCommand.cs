using System.Management.Automation;
using BackupOps.Engine.Redis;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Restores a Redis snapshot into a sandbox redis-server, a local server, or (logical snapshots) any server, then validates it.</para>
/// <para type="description">The snapshot's SHA-256 and, for RDB files, redis-check-rdb are verified before any server is touched. Sandbox (default): a new redis-server in a temporary dir on a free 127.0.0.1 port, stopped afterwards unless -KeepRunning. ReplaceLocal: SHUTDOWN NOSAVE, swap the RDB, restart with the same config; asks for confirmation again unless -Force. IntoServer: RESTORE every key of a logical snapshot (-Replace overwrites). Validation: keys per database against the manifest, -ExpectKey, -Queue bounds.</para>
/// </summary>
[Cmdlet(VerbsData.Restore, "RedisSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ById)]
[OutputType(typeof(RedisRestoreResult))]
public sealed class RestoreRedisSnapshotCommand : ReportingStoreCmdlet
{
    private const string ById = "ById";
    private const string LatestSet = "Latest";

    /// <summary>
    /// <para type="description">The store holding the snapshot (binds from Get-RedisSnapshot output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">The snapshot to restore (binds from Get-RedisSnapshot output).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string SnapshotId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Restore the newest valid snapshot of -Source.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">The source whose snapshots to use (binds from Get-RedisSnapshot output).</para>
    /// </summary>
    [Parameter(ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
    [ArgumentCompleter(typeof(RedisSourceCompleter))]
    public string? Source { get; set; }

    /// <summary>
    /// <para type="description">Where to restore: Sandbox (default), ReplaceLocal or IntoServer.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Sandbox", "ReplaceLocal", "IntoServer")]
    public string Mode { get; set; } = "Sandbox";

    /// <summary>
    /// <para type="description">The server for ReplaceLocal and IntoServer: redis://host:port or host:port.</para>
    /// </summary>
    [Parameter]
    public string? Target { get; set; }

    /// <summary>
    /// <para type="description">The target server's password. Default: the URL's password or REDIS_PASSWORD.</para>
    /// </summary>
    [Parameter]
    [Credential]
    public PSCredential? TargetCredential { get; set; }

    /// <summary>
    /// <para type="description">Leave the sandbox running; the result carries its endpoint and folder.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter KeepRunning { get; set; }

    /// <summary>
    /// <para type="description">IntoServer: overwrite keys that already exist.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    /// <summary>
    /// <para type="description">Keys that must exist after the restore.</para>
    /// </summary>
    [Parameter]
    public string[] ExpectKey { get; set; } = [];

    /// <summary>
    /// <para type="description">Queue (list or stream) length bounds, written key=min..max (queue:emails=0..1000).</para>
    /// </summary>
    [Parameter]
    public string[] Queue { get; set; } = [];

    /// <summary>
    /// <para type="description">Database the key and queue checks use.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 15)]
    public int Database { get; set; }

    /// <summary>
    /// <para type="description">Folder for downloads and the sandbox. Default: BACKUPOPS_TEMP or the system temp folder.</para>
    /// </summary>
    [Parameter]
    public string? TempDirectory { get; set; }

    /// <summary>
    /// <para type="description">Replace a server's data (ReplaceLocal, or IntoServer with -Replace) without the extra confirmation.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// <para type="description">Require a valid signature by one of these public key files (PEM, from New-BackupSigningKey; several for key rotation). A missing, untrusted or broken signature is refused before anything is downloaded or any server touched. Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are reported but not required.</para>
    /// </summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ResolveStore(Store);
        var temp = TempDirectory is null ? null : ResolvePath(TempDirectory);
        var mode = Enum.Parse<RedisRestoreMode>(Mode, ignoreCase: true);
        string[]? trusted = TrustedKey.Length == 0 ? null : [.. TrustedKey.Select(ResolvePath)];
        RedisRestoreRequest Request() => new()
        {
            Store = store,
            S3 = this.S3Options(),
            SnapshotId = ParameterSetName == ById ? SnapshotId : null,
            Latest = ParameterSetName == LatestSet,
            SourceName = Source,
            Mode = mode,
            Target = Target is null ? null : RedisCredentials.Settings(Target, TargetCredential),
            KeepRunning = KeepRunning,
            Replace = Replace,
            ExpectKeys = ExpectKey,
            Queues = [.. Queue.Select(QueueBound.Parse)],
            Database = Database,
            TempDirectory = temp,
            TrustedKeyFiles = trusted,
            Reporting = this.Reporting(),
        };

        if (!this.TryRun((_, token) => RedisRestoreEngine.DescribeAsync(Request(), token), out var description) || !this.ShouldProcessOrExplain(description, "Restore Redis snapshot", "pass -Confirm:$false, and -Force to replace a server's data"))
        {
            return;
        }

        var destructive = mode == RedisRestoreMode.ReplaceLocal || (mode == RedisRestoreMode.IntoServer && Replace);
        if (destructive && !Force && !this.ShouldContinueOrExplain($"{description}. The server's current data will be lost. Continue?", "Replace Redis data", "pass -Force (and -Confirm:$false) to replace the server's data"))
        {
            return;
        }

        var done = this.TryRun((progress, token) => RedisRestoreEngine.RunAsync(Request(), progress, token), out var result);
        FlushReportingWarnings();
        if (done)
        {
            var output = OutputMapper.ToOutput(result);
            WriteObject(output);
            foreach (var failed in output.Checks.Where(c => c.Outcome == BackupCheckOutcome.Failed))
            {
                WriteError(new ErrorRecord(new InvalidDataException($"Validation failed: {failed.Name}: {failed.Detail}"), "RedisRestoreValidationFailed", ErrorCategory.InvalidResult, output.Endpoint));
            }
        }
    }
}
