using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>How a backup's objects are made immutable.</summary>
public enum StoreLockMode
{
    /// <summary>S3 Object Lock GOVERNANCE: nobody deletes or overwrites before the date, except a principal with s3:BypassGovernanceRetention.</summary>
    Governance,

    /// <summary>S3 Object Lock COMPLIANCE: nobody (not even the bucket's root account) deletes or shortens it before the date.</summary>
    Compliance,

    /// <summary>
    /// A bucket-level lock rule the store enforces by itself (Cloudflare R2 bucket locks): nothing is sent per object,
    /// the retain-until date is recorded in the manifest and prune keeps the backup until then.
    /// </summary>
    BucketRule,
}

/// <summary>Object Lock retention asked for at upload: a mode and a whole number of days from each object's upload.</summary>
/// <param name="Mode">The lock mode.</param>
/// <param name="Days">Days each object stays locked after its upload (1 to 36500).</param>
public sealed record ObjectLockSettings(StoreLockMode Mode, int Days)
{
    /// <summary>Variable for the mode: <c>governance</c>, <c>compliance</c>, <c>bucket-rule</c> or <c>none</c>.</summary>
    public const string ModeVariable = "BACKUPOPS_OBJECT_LOCK";

    /// <summary>Variable for the days.</summary>
    public const string DaysVariable = "BACKUPOPS_OBJECT_LOCK_DAYS";

    /// <summary>
    /// The days when none are given and <c>BACKUP_RETENTION_DAYS</c> is not set: the seed's retention of daily dumps
    /// (14 days). With <c>BACKUP_RETENTION_DAYS</c> set the lock lasts exactly the retention, so prune removes a backup
    /// the day it is allowed to.
    /// </summary>
    public const int DefaultDays = 14;

    /// <summary>The mode as S3 and the manifest write it: <c>GOVERNANCE</c>, <c>COMPLIANCE</c> or <c>BUCKET-RULE</c>.</summary>
    public string ModeName => Mode switch
    {
        StoreLockMode.Governance => "GOVERNANCE",
        StoreLockMode.Compliance => "COMPLIANCE",
        _ => "BUCKET-RULE",
    };

    /// <summary>True when S3 retention headers are sent per object (governance, compliance).</summary>
    public bool SetsObjectRetention => Mode != StoreLockMode.BucketRule;

    /// <summary>The retain-until date of an object uploaded at <paramref name="uploadedUtc"/>, in whole seconds (S3 keeps seconds).</summary>
    public DateTimeOffset RetainUntilFrom(DateTimeOffset uploadedUtc)
    {
        var until = uploadedUtc.ToUniversalTime().AddDays(Days);
        return new DateTimeOffset(until.Ticks - (until.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
    }

    /// <summary>
    /// The lock from explicit values (a CLI option, a cmdlet parameter), falling back to <see cref="ModeVariable"/> and
    /// <see cref="DaysVariable"/>; null when no lock is asked for (or the mode is <c>none</c>). Days default to
    /// <c>BACKUP_RETENTION_DAYS</c>, else <see cref="DefaultDays"/>. Days without a mode are refused: a lock is never guessed.
    /// </summary>
    public static ObjectLockSettings? Resolve(string? mode, int? days)
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v.Trim() : null;
        var modeText = mode ?? Env(ModeVariable);
        int? resolvedDays = days;
        if (resolvedDays is null && Env(DaysVariable) is { } daysText)
        {
            resolvedDays = ParseDays(daysText, DaysVariable);
        }

        if (modeText is null)
        {
            return resolvedDays is null
                ? null
                : throw BackupOpsException.InvalidInput("ObjectLockModeMissing", $"Object Lock days ({resolvedDays}) were given without a mode. Add -ObjectLockMode / --object-lock governance|compliance|bucket-rule (or {ModeVariable}).");
        }

        var parsed = ParseMode(modeText);
        if (parsed is null)
        {
            return null;
        }

        var effectiveDays = resolvedDays ?? Retention.RetentionPolicy.TryFromEnvironment() ?? DefaultDays;
        CheckDays(effectiveDays, "-ObjectLockDays / --object-lock-days");
        return new ObjectLockSettings(parsed.Value, effectiveDays);
    }

    /// <summary>Parses <c>governance|compliance|bucket-rule|none</c> (null for none).</summary>
    public static StoreLockMode? ParseMode(string text) => text.Trim().ToUpperInvariant() switch
    {
        "GOVERNANCE" => StoreLockMode.Governance,
        "COMPLIANCE" => StoreLockMode.Compliance,
        "BUCKET-RULE" or "BUCKETRULE" or "BUCKET" => StoreLockMode.BucketRule,
        "NONE" or "OFF" => null,
        _ => throw BackupOpsException.InvalidInput("ObjectLockModeInvalid", $"Unknown Object Lock mode '{Clip(text)}'. Use governance, compliance, bucket-rule (an R2 bucket lock rule) or none."),
    };

    private static int ParseDays(string text, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 36500
            ? days
            : throw BackupOpsException.InvalidInput("ObjectLockDaysInvalid", $"{source}='{Clip(text)}' is not a whole number of days from 1 to 36500.");

    private static void CheckDays(int days, string source)
    {
        if (days is < 1 or > 36500)
        {
            throw BackupOpsException.InvalidInput("ObjectLockDaysInvalid", $"{source} {days} is out of range. Use a whole number of days from 1 to 36500 (the seed policy: 14, 30 or 90).");
        }
    }

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text.ReplaceLineEndings(" ");
}
