using System.Management.Automation;
using BackupOps.Engine.Redis;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Snapshots a Redis server into a folder or S3/R2: BGSAVE, redis-check-rdb, upload with SHA-256, manifest last.</para>
/// <para type="description">Triggers BGSAVE (or uses the latest save with -NoSave), waiting for a save already in progress; reads the RDB from the server's own dir when the server is on this host, otherwise pulls it with redis-cli --rdb; verifies it with redis-check-rdb before upload. -Logical exports keys with SCAN + DUMP instead, for managed Redis (Upstash) without BGSAVE or SYNC.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RedisSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RedisSnapshot))]
public sealed class InvokeRedisSnapshotCommand : ReportingStoreCmdlet
{
    /// <summary>
    /// <para type="description">The Redis server: redis://host:6379, rediss:// for TLS, or host:port. Default: REDIS_URL, else 127.0.0.1:6379.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RedisUrl")]
    public string? Server { get; set; }

    /// <summary>
    /// <para type="description">The Redis password (the user name is ignored). Default: the URL's password, REDIS_PASSWORD or REDISCLI_AUTH.</para>
    /// </summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>
    /// <para type="description">Where to store the snapshot: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Name of the source in the store (snapshots live under redis/&lt;source&gt;/). Default: host-port.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(RedisSourceCompleter))]
    public string? Source { get; set; }

    /// <summary>
    /// <para type="description">Use the latest save instead of triggering BGSAVE.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoSave { get; set; }

    /// <summary>
    /// <para type="description">Export keys with SCAN + DUMP instead of an RDB (managed Redis without BGSAVE/SYNC).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Logical { get; set; }

    /// <summary>
    /// <para type="description">How to obtain the RDB: Auto (the server's file when it is on this host, else replication), ServerFile or Replication.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Auto", "ServerFile", "Replication")]
    public string Transfer { get; set; } = "Auto";

    /// <summary>
    /// <para type="description">How long to wait for BGSAVE, in seconds.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int SaveTimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// <para type="description">Make the backup immutable: Governance or Compliance sets S3 Object Lock retention on the data object and the manifest at upload (the bucket must have Object Lock enabled; checked before anything runs); BucketRule records the lock an R2 bucket lock rule enforces; None turns off BACKUPOPS_OBJECT_LOCK. Default: BACKUPOPS_OBJECT_LOCK, else no lock. Prune and Remove-* keep a locked backup until its date.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Governance", "Compliance", "BucketRule", "None")]
    public string? ObjectLockMode { get; set; }

    /// <summary>
    /// <para type="description">Days each object stays locked after its upload (1-36500). Default: BACKUPOPS_OBJECT_LOCK_DAYS, else BACKUP_RETENTION_DAYS, else 14 (the seed's retention of daily dumps).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 36500)]
    public int? ObjectLockDays { get; set; }

    /// <summary>
    /// <para type="description">Sign the manifest with this private key file (PEM, mode 0600, from New-BackupSigningKey); the signature is written beside the manifest, before it. Default: BACKUPOPS_SIGNING_KEY, else the snapshot is unsigned. A path, never the key.</para>
    /// </summary>
    [Parameter]
    public string? SigningKey { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ResolveStore(Store);
        if (!this.ShouldProcessOrExplain(store, $"Snapshot Redis {Server ?? "(REDIS_URL)"}", "pass -Confirm:$false"))
        {
            return;
        }

        var signingKey = SigningKey is null ? null : ResolvePath(SigningKey);
        RedisSnapshotRequest Request() => new()
        {
            Connection = RedisCredentials.Settings(Server, Credential),
            Store = store,
            S3 = this.BackupS3Options(ObjectLockMode, ObjectLockDays),
            SourceName = Source,
            NoSave = NoSave,
            Logical = Logical,
            Transfer = Enum.Parse<RdbTransfer>(Transfer, ignoreCase: true),
            SaveTimeout = TimeSpan.FromSeconds(SaveTimeoutSeconds),
            SigningKeyFile = signingKey,
            Reporting = this.Reporting(),
        };
        var done = this.TryRun((progress, token) => RedisSnapshotEngine.RunAsync(Request(), progress, token), out var snapshot);
        FlushReportingWarnings();
        if (done)
        {
            WriteObject(OutputMapper.ToOutput(snapshot));
        }
    }
}
