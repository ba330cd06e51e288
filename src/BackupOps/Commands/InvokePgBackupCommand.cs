using System.Management.Automation;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Preflight;
using BackupOps.Engine.Restore;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Backs up a PostgreSQL database (pg_dump --format=custom) to a folder or S3/R2.</para>
/// <para type="description">Streams pg_dump into the store with SHA-256 computed on the way and writes the manifest last. -WhatIf runs the dry run: connection, pg_dump version, age, the signing key, and a probe write to the store.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PgBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PgBackup), typeof(BackupCheck))]
public sealed class InvokePgBackupCommand : PgServerCmdlet
{
    /// <summary>
    /// <para type="description">Where to store the backup: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Compression level: zstd 0-19, pg_dump 0-9. Default 1. 0 stores the archive uncompressed.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 19)]
    public int CompressionLevel { get; set; } = PgBackupRequest.DefaultCompressionLevel;

    /// <summary>
    /// <para type="description">Where the dump is compressed. zstd (default): pg_dump writes an uncompressed archive and BackupOps compresses it with zstd on a second core; restore by hand with zstd -d | pg_restore. pg_dump: pg_dump's own single-threaded zlib, as before.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("zstd", "pg_dump")]
    public string Codec { get; set; } = "zstd";

    /// <summary>
    /// <para type="description">Pass --no-owner to pg_dump.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>
    /// <para type="description">Pass --no-privileges to pg_dump.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoPrivileges { get; set; }

    /// <summary>
    /// <para type="description">Only these tables (pg_dump --table patterns).</para>
    /// </summary>
    [Parameter]
    public string[] Table { get; set; } = [];

    /// <summary>
    /// <para type="description">Leave these tables out (pg_dump --exclude-table patterns).</para>
    /// </summary>
    [Parameter]
    public string[] ExcludeTable { get; set; } = [];

    /// <summary>
    /// <para type="description">Record these tables' exact row counts in the manifest (in the dump's snapshot); restores compare against them.</para>
    /// </summary>
    [Parameter]
    public string[] CriticalTable { get; set; } = [];

    /// <summary>
    /// <para type="description">Encrypt to these age public keys (age1...). Only the public keys go in the manifest.</para>
    /// </summary>
    [Parameter]
    public string[] Recipient { get; set; } = [];

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
    /// <para type="description">Sign the manifest with this private key file (PEM, mode 0600, from New-BackupSigningKey); the signature is written beside the manifest, before it. Default: BACKUPOPS_SIGNING_KEY, else the backup is unsigned. A path, never the key.</para>
    /// </summary>
    [Parameter]
    public string? SigningKey { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ResolveStore(Store);
        this.WriteConnectionVerbose();
        var signingKey = SigningKey is null ? null : ResolvePath(SigningKey);
        PgBackupRequest Request() => new()
        {
            Connection = this.Connection(),
            Store = store,
            S3 = this.BackupS3Options(ObjectLockMode, ObjectLockDays),
            CompressionLevel = CompressionLevel,
            Codec = DumpCodecs.Parse(Codec) ?? PgBackupRequest.DefaultCodec,
            NoOwner = NoOwner,
            NoPrivileges = NoPrivileges,
            IncludeTables = Table,
            ExcludeTables = ExcludeTable,
            CriticalTables = CriticalTable,
            AgeRecipients = Recipient,
            SigningKeyFile = signingKey,
            Reporting = this.Reporting(),
        };

        if (!this.ShouldProcessOrExplain(store, "Back up PostgreSQL database", "pass -Confirm:$false"))
        {
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf") && this.TryRun((_, token) => BackupPreflight.RunAsync(Request(), token), out var checks))
            {
                foreach (var check in checks)
                {
                    WriteObject(OutputMapper.ToOutput(check));
                    if (check.Outcome == CheckOutcome.Failed)
                    {
                        WriteError(new ErrorRecord(new InvalidOperationException($"{check.Name}: {check.Detail}"), "PgBackupPreflightFailed", ErrorCategory.InvalidResult, check.Name));
                    }
                }
            }

            return;
        }

        var done = this.TryRun((progress, token) => PgBackupEngine.RunAsync(Request(), progress, token), out var backup);
        FlushReportingWarnings();
        if (done)
        {
            WriteObject(OutputMapper.ToOutput(backup));
        }
    }
}
