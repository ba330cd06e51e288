using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Health;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>
/// The cmdlets' parameters translated into engine settings: environment first, then the parameters given
/// (PSCredential for secrets). Internal, so no exported type's signature names an engine type.
/// </summary>
internal static class EngineSettings
{
    /// <summary>S3 options: environment first, then the S3 parameters, then (for store cmdlets) server-side encryption.</summary>
    public static S3StoreOptions S3Options(this S3Cmdlet cmdlet)
    {
        var options = S3StoreOptions.FromEnvironment();
        if (cmdlet.S3Credential is not null)
        {
            options = options with { AccessKey = cmdlet.S3Credential.UserName, SecretKey = cmdlet.S3Credential.GetNetworkCredential().Password };
        }

        if (cmdlet.S3Endpoint is not null)
        {
            options = options with { Endpoint = cmdlet.S3Endpoint };
        }

        if (cmdlet.S3Provider is not null)
        {
            options = options with { Provider = S3StoreOptions.ParseProvider(cmdlet.S3Provider) };
        }

        if (cmdlet is StoreCmdlet store)
        {
            if (store.ServerSideEncryption is not null)
            {
                options = options with { Encryption = S3StoreOptions.ParseEncryption(store.ServerSideEncryption) };
            }

            if (store.KmsKeyId is not null)
            {
                options = options with { KmsKeyId = store.KmsKeyId };
            }
        }

        return options;
    }

    /// <summary>
    /// The S3 options of a backup cmdlet: <see cref="S3Options"/> plus -ObjectLockMode / -ObjectLockDays, which fall back to
    /// BACKUPOPS_OBJECT_LOCK / BACKUPOPS_OBJECT_LOCK_DAYS (and the days to BACKUP_RETENTION_DAYS, else 14).
    /// </summary>
    public static S3StoreOptions BackupS3Options(this StoreCmdlet cmdlet, string? objectLockMode, int? objectLockDays)
    {
        var options = cmdlet.S3Options();
        // -ObjectLockMode's ValidateSet spells the R2 mode as a PowerShell name; the engine reads the CLI's word.
        var mode = string.Equals(objectLockMode, "BucketRule", StringComparison.OrdinalIgnoreCase) ? "bucket-rule" : objectLockMode;
        return mode is null && objectLockDays is null ? options : options with { ObjectLock = ObjectLockSettings.Resolve(mode, objectLockDays) };
    }

    /// <summary>
    /// Parses the connection string (default DATABASE_URL) and applies the PSCredential. A password inside
    /// -ConnectionString is refused, as the CLI refuses one in --database-url: the string lands in scripts, history and
    /// transcripts; DATABASE_URL in the environment may still carry one.
    /// </summary>
    public static PgConnectionSettings Connection(this PgServerCmdlet cmdlet)
    {
        var settings = cmdlet.ConnectionString is { } given
            ? WithoutPassword(given, "-ConnectionString")
            : PgConnectionSettings.Parse(Environment.GetEnvironmentVariable("DATABASE_URL") ?? string.Empty);
        settings = cmdlet.Credential is null
            ? settings
            : settings with { Username = cmdlet.Credential.UserName, Password = cmdlet.Credential.GetNetworkCredential().Password };
        return settings;
    }

    /// <summary>Parses a connection given as the parameter <paramref name="parameter"/>; refuses one that holds a password (PasswordInOption).</summary>
    public static PgConnectionSettings WithoutPassword(string value, string parameter)
    {
        var settings = PgConnectionSettings.Parse(value);
        return settings.Password is null
            ? settings
            : throw BackupOpsException.InvalidInput(
                "PasswordInOption",
                $"{parameter} {settings.Display} carries a password, which lands in scripts, history and transcripts. Remove it from {parameter} and pass -Credential, or give it with PGPASSWORD or ~/.pgpass (PGPASSFILE).");
    }

    /// <summary>Tells -Verbose which S3 endpoint, provider profile and key source a cmdlet uses (never the secret). Pipeline thread only.</summary>
    public static void WriteS3Verbose(this S3Cmdlet cmdlet)
    {
        S3StoreOptions options;
        try
        {
            options = cmdlet.S3Options();
        }
        catch (Engine.Errors.BackupOpsException)
        {
            return; // reported as the cmdlet's error when the engine uses the options
        }

        var key = cmdlet.S3Credential is not null ? "-S3Credential" : options.AccessKey is not null ? "AWS_ACCESS_KEY_ID" : "the AWS default credential chain";
        cmdlet.WriteVerbose($"S3: {options.EffectiveEndpoint ?? "AWS (no endpoint set)"}, provider {options.EffectiveProvider}, key from {key}");
    }

    /// <summary>Tells -Verbose which server and which password source a cmdlet uses (never the password). Pipeline thread only.</summary>
    public static void WriteConnectionVerbose(this PgServerCmdlet cmdlet)
    {
        PgConnectionSettings settings;
        try
        {
            settings = cmdlet.Connection();
        }
        catch (Engine.Errors.BackupOpsException)
        {
            return; // reported as the cmdlet's error when the engine parses it
        }

        cmdlet.WriteVerbose($"PostgreSQL: {settings.Display} (from {(cmdlet.ConnectionString is null ? "DATABASE_URL" : "-ConnectionString")}; password from {(cmdlet.Credential is not null ? "-Credential" : settings.Password is not null ? "the connection string" : "PGPASSWORD or ~/.pgpass")})");
    }

    /// <summary>Run reporting for the engine; its warnings are queued and written after the run, on the pipeline thread.</summary>
    public static RunReporting Reporting(this ReportingStoreCmdlet cmdlet)
    {
        var reporting = RunReporting.FromEnvironment() with { OnWarning = cmdlet.ReportingWarnings.Enqueue };
        if (cmdlet.NotifyWebhook is not null)
        {
            reporting = reporting with { WebhookUrl = cmdlet.NotifyWebhook };
        }

        return cmdlet.NotifyOn is null ? reporting : reporting with { FailuresOnly = RunReporting.ParseNotifyOn(cmdlet.NotifyOn) };
    }
}
