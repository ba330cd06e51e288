using System.Management.Automation;
using BackupOps.Engine.Physical;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Takes a PostgreSQL base backup (pg_basebackup) into a folder or S3/R2 store, for point-in-time recovery.</para>
/// <para type="description">Streams one tar of the data directory into the store (no temp copy), zstd-compressed and optionally age-encrypted, with SHA-256 and size computed on the way. The manifest (server version, system identifier, timeline, start and stop LSN and time, the WAL range the backup needs, PostgreSQL's own backup manifest checksum) is written last, and only once every WAL segment the backup needs is in the archive: the server must be archiving to the same store and -Cluster (backupops pg wal setup). The user needs the REPLICATION attribute and a pg_hba 'replication' line.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PgBaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PgBaseBackup))]
public sealed class InvokePgBaseBackupCommand : PgServerCmdlet
{
    /// <summary>
    /// <para type="description">Where to store the base backup: a folder, s3://bucket/prefix or r2://bucket/prefix; the store the server archives its WAL to. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">The name base backups and WAL are filed under, as in archive_command. Default: &lt;host&gt;-&lt;port&gt; of the connection string.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Cluster { get; set; }

    /// <summary>
    /// <para type="description">zstd level 1 (the default, fastest) to 19; 0 stores the tar uncompressed.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 19)]
    public int CompressionLevel { get; set; } = 1;

    /// <summary>
    /// <para type="description">Encrypt to these age public keys (age1...). Only the public keys go in the manifest.</para>
    /// </summary>
    [Parameter]
    public string[] Recipient { get; set; } = [];

    /// <summary>
    /// <para type="description">Let the starting checkpoint spread over checkpoint_completion_target instead of an immediate one (gentler on a busy server, slower to start).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter SpreadCheckpoint { get; set; }

    /// <summary>
    /// <para type="description">Seconds to wait for the WAL the backup needs to reach the archive before giving up (nothing is committed then).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int WalTimeoutSeconds { get; set; } = 300;

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
    /// <para type="description">Sign the manifest with this private key file (PEM, mode 0600, from New-BackupSigningKey); the signature is written beside the manifest, before it. Default: BACKUPOPS_SIGNING_KEY, else the base backup is unsigned. A path, never the key.</para>
    /// </summary>
    [Parameter]
    public string? SigningKey { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ResolveStore(Store);
        this.WriteConnectionVerbose();
        var signingKey = SigningKey is null ? null : ResolvePath(SigningKey);
        BaseBackupRequest Request() => new()
        {
            Connection = this.Connection(),
            Cluster = Cluster,
            Store = store,
            S3 = this.BackupS3Options(ObjectLockMode, ObjectLockDays),
            CompressionLevel = CompressionLevel,
            AgeRecipients = Recipient,
            FastCheckpoint = !SpreadCheckpoint,
            WalTimeout = TimeSpan.FromSeconds(WalTimeoutSeconds),
            SigningKeyFile = signingKey,
            Reporting = this.Reporting(),
        };
        if (!this.TryRun((_, _) => Task.FromResult(Request().ClusterName), out var cluster)
            || !this.ShouldProcessOrExplain($"{store} (cluster {cluster})", "Take a PostgreSQL base backup", "pass -Confirm:$false"))
        {
            return;
        }

        var done = this.TryRun((progress, token) => BaseBackupEngine.RunAsync(Request(), progress, token), out var backup);
        FlushReportingWarnings();
        if (done)
        {
            WriteObject(PitrOutputMapper.ToOutput(backup));
        }
    }
}
