using System.CommandLine;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Stores;

namespace BackupOps.Cli.Commands;

/// <summary>
/// Options every pg verb shares. Secrets are never options (they would show in `ps` and shell history):
/// the database password comes from the URL in DATABASE_URL, PGPASSWORD or ~/.pgpass, S3 keys from
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
/// </summary>
internal sealed class CommonOptions
{
    public Option<string?> DatabaseUrl { get; } = new("--database-url")
    {
        Description = "PostgreSQL connection: postgresql://user@host:5432/db or 'host=... dbname=...'. Default: DATABASE_URL.",
    };

    public Option<string?> Store { get; } = new("--store")
    {
        Description = "Where backups live: a folder, s3://bucket/prefix or r2://bucket/prefix. Default: BACKUP_DIR, else ./backups.",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Write machine-readable JSON to stdout." };

    public Option<string?> S3Endpoint { get; } = new("--s3-endpoint") { Description = "S3 endpoint URL. Default: AWS_ENDPOINT_URL (or the R2 endpoint from R2_ACCOUNT_ID)." };

    public Option<string?> S3Provider { get; } = new("--s3-provider") { Description = "auto, aws, r2 or generic (Ceph, MinIO). Default: BACKUPOPS_S3_PROVIDER or auto." };

    public Option<string?> Sse { get; } = new("--sse") { Description = "Server-side encryption: default, none, AES256, aws:kms or sse-c (key in BACKUPOPS_SSE_C_KEY)." };

    public Option<string?> KmsKeyId { get; } = new("--kms-key-id") { Description = "KMS key id for --sse aws:kms." };

    public Option<int?> PartSizeMb { get; } = new("--part-size-mb") { Description = "Smallest multipart part size in MiB (5-1024, default 5; raised automatically so a large database fits in 10,000 parts)." };

    public Option<int?> StallTimeoutSeconds { get; } = new("--stall-timeout-seconds") { Description = "Fail an S3 request after this many seconds without a byte moving (1-3600; default 60, or BACKUPOPS_STALL_TIMEOUT_SECONDS). Silence is not retried." };

    public Option<string?> NotifyOn { get; } = new("--notify-on") { Description = "Webhook notifications (BACKUPOPS_WEBHOOK_URL): always or failure. Default: BACKUPOPS_NOTIFY_ON, else always." };

    public Option<string?> ObjectLock { get; } = LockModeOption(new("--object-lock") { Description = "Make the backup immutable: governance or compliance (S3 Object Lock retention on the data object and manifest, set at upload; the bucket must have Object Lock), bucket-rule (an R2 bucket lock rule enforces it; recorded only), or none. Default: BACKUPOPS_OBJECT_LOCK, else none." });

    public Option<int?> ObjectLockDays { get; } = new("--object-lock-days") { Description = "Days each object stays locked after upload (1-36500). Default: BACKUPOPS_OBJECT_LOCK_DAYS, else BACKUP_RETENTION_DAYS, else 14." };

    public Option<string?> SigningKey { get; } = new("--signing-key")
    {
        Description = "Sign the manifest with this private key file (PEM, mode 0600; from 'backupops key new'). Default: BACKUPOPS_SIGNING_KEY, else unsigned. A path, never the key.",
    };

    public Option<string[]> TrustedKeys { get; } = new("--trusted-key")
    {
        Description = "Require a valid signature by this public key file (PEM); repeatable, for key rotation. Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are reported, not required.",
    };

    public void AddConnection(Command command) => command.Options.Add(DatabaseUrl);

    /// <summary>The lock options of the backup verbs (pg backup, pg basebackup, redis snapshot).</summary>
    public void AddObjectLock(Command command)
    {
        command.Options.Add(ObjectLock);
        command.Options.Add(ObjectLockDays);
    }

    private static Option<string?> LockModeOption(Option<string?> option)
    {
        option.AcceptOnlyFromAmong("governance", "compliance", "bucket-rule", "none");
        return option;
    }

    /// <summary>S3 options for a backup verb: <see cref="S3"/> plus the lock options (which fall back to the lock variables).</summary>
    public S3StoreOptions BackupS3(ParseResult result)
    {
        var options = S3(result);
        var mode = result.GetValue(ObjectLock);
        var days = result.GetValue(ObjectLockDays);
        return mode is null && days is null ? options : options with { ObjectLock = Engine.Stores.ObjectLockSettings.Resolve(mode, days) };
    }

    /// <summary>The trusted key files given, or null (the engine then reads BACKUPOPS_TRUSTED_KEYS).</summary>
    public IReadOnlyList<string>? TrustedKeyFiles(ParseResult result) => result.GetValue(TrustedKeys) is { Length: > 0 } keys ? keys : null;

    /// <summary>Run records and notifications; reporting problems (a dead webhook) are warnings on stderr, never failures.</summary>
    public Engine.Health.RunReporting Reporting(ParseResult result)
    {
        var reporting = Engine.Health.RunReporting.FromEnvironment() with { OnWarning = message => Console.Error.WriteLine($"backupops: warning: {message}") };
        return result.GetValue(NotifyOn) is { } notifyOn ? reporting with { FailuresOnly = Engine.Health.RunReporting.ParseNotifyOn(notifyOn) } : reporting;
    }

    public void AddStore(Command command)
    {
        command.Options.Add(Store);
        AddS3(command);
        command.Options.Add(StallTimeoutSeconds);
    }

    public void AddReporting(Command command) => command.Options.Add(NotifyOn);

    public void AddS3(Command command)
    {
        foreach (var option in new Option[] { S3Endpoint, S3Provider, Sse, KmsKeyId, PartSizeMb })
        {
            command.Options.Add(option);
        }
    }

    public PgConnectionSettings Connection(ParseResult result) =>
        OptionSecrets.PgOrEnvironment(result.GetValue(DatabaseUrl), "--database-url");

    public S3StoreOptions S3(ParseResult result)
    {
        var options = S3StoreOptions.FromEnvironment();
        if (result.GetValue(S3Endpoint) is { } endpoint)
        {
            options = options with { Endpoint = endpoint };
        }

        if (result.GetValue(S3Provider) is { } provider)
        {
            options = options with { Provider = S3StoreOptions.ParseProvider(provider) };
        }

        if (result.GetValue(Sse) is { } sse)
        {
            options = options with { Encryption = S3StoreOptions.ParseEncryption(sse) };
        }

        if (result.GetValue(KmsKeyId) is { } kms)
        {
            options = options with { KmsKeyId = kms };
        }

        if (result.GetValue(StallTimeoutSeconds) is { } stall)
        {
            options = options with { StallTimeout = S3StoreOptions.ParseStallTimeoutSeconds(stall.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        }

        if (result.GetValue(PartSizeMb) is { } mb)
        {
            options = options with { PartSizeBytes = S3StoreOptions.ParsePartSizeMegabytes(mb.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        }

        return options;
    }
}
