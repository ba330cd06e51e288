using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Retention;

/// <summary>
/// How long backups are kept. There is no built-in age: pruning without an explicit retention would be a guess
/// about someone's data (the seeds disagree: 14 days, 30 for staging, 90 for production), so it is required.
/// </summary>
/// <param name="RetentionDays">Backups older than this many days may be removed.</param>
/// <param name="MinimumKeep">Newest valid backups kept per database whatever their age; at least 1.</param>
/// <param name="LeftoverGrace">Incomplete leftovers younger than this are left alone (a backup may still be running).</param>
public sealed record RetentionPolicy(int RetentionDays, int MinimumKeep, TimeSpan LeftoverGrace)
{
    /// <summary>Variable the seed scripts use for the retention.</summary>
    public const string RetentionVariable = "BACKUP_RETENTION_DAYS";

    /// <summary>Default grace for leftovers: a day, longer than any backup should run.</summary>
    public static readonly TimeSpan DefaultLeftoverGrace = TimeSpan.FromHours(24);

    /// <summary>
    /// Default <see cref="VerifiedWithin"/>: a day. A nightly prune re-reads the newest backup (it is new every day) and
    /// nothing else, while a proof is never older than one prune interval (docs/reliability.md says why).
    /// </summary>
    public static readonly TimeSpan DefaultVerifiedWithin = TimeSpan.FromHours(24);

    /// <summary>Variable for <see cref="VerifiedWithin"/> in hours.</summary>
    public const string VerifiedWithinVariable = "BACKUPOPS_VERIFIED_WITHIN_HOURS";

    /// <summary>
    /// A verification record younger than this (and bound to the same manifest and unchanged data) spares a prune
    /// from reading a backup again; zero re-reads every backup the prune relies on.
    /// </summary>
    public TimeSpan VerifiedWithin { get; init; } = DefaultVerifiedWithin;

    /// <summary>Builds a policy from explicit values, falling back to <c>BACKUP_RETENTION_DAYS</c>; validates both.</summary>
    public static RetentionPolicy Resolve(int? retentionDays, int minimumKeep = 1, TimeSpan? leftoverGrace = null)
    {
        int days;
        if (retentionDays is { } given)
        {
            days = given;
        }
        else
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(RetentionVariable);
            if (string.IsNullOrWhiteSpace(fromEnvironment))
            {
                throw BackupOpsException.InvalidInput("RetentionMissing", $"No retention given. Pass -RetentionDays / --retention-days or set {RetentionVariable} (the seed policy: 14 days; 30 for staging, 90 for production).");
            }

            if (!int.TryParse(fromEnvironment.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out days))
            {
                throw BackupOpsException.InvalidInput("RetentionInvalid", $"{RetentionVariable}='{fromEnvironment}' is not a whole number of days. Set it to, for example, 14.");
            }
        }

        if (days is < 1 or > 36500)
        {
            throw BackupOpsException.InvalidInput("RetentionInvalid", $"A retention of {days} days makes no sense. Use a whole number of days from 1 to 36500 (the seed policy: 14, 30 or 90).");
        }

        if (minimumKeep < 1)
        {
            throw BackupOpsException.InvalidInput("MinimumKeepInvalid", $"-MinimumKeep / --minimum-keep {minimumKeep} would allow deleting every backup. It must be at least 1: the newest valid backup is never deleted.");
        }

        return new RetentionPolicy(days, minimumKeep, leftoverGrace ?? DefaultLeftoverGrace) { VerifiedWithin = VerifiedWithinFromEnvironment() };
    }

    /// <summary>The policy for removing a backup by id: no age applies, only the minimum kept (proven whole).</summary>
    public static RetentionPolicy ForRemovalById(int minimumKeep)
    {
        if (minimumKeep < 1)
        {
            throw BackupOpsException.InvalidInput("MinimumKeepInvalid", $"-MinimumKeep / --minimum-keep {minimumKeep} would allow deleting every backup. It must be at least 1: the newest valid backup is never deleted.");
        }

        return new RetentionPolicy(36500, minimumKeep, DefaultLeftoverGrace) { VerifiedWithin = VerifiedWithinFromEnvironment() };
    }

    /// <summary>Parses an hour count for --verified-within-hours and --leftover-grace-hours (0 to 8760; CLI only).</summary>
    public static TimeSpan ParseHours(double hours, string option)
    {
        if (double.IsNaN(hours) || hours < 0 || hours > 8760)
        {
            throw BackupOpsException.InvalidInput("RetentionHoursInvalid", $"{option} {hours.ToString(CultureInfo.InvariantCulture)} is out of range. Use 0 to 8760 hours.");
        }

        return TimeSpan.FromHours(hours);
    }

    private static TimeSpan VerifiedWithinFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(VerifiedWithinVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultVerifiedWithin;
        }

        return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var hours) && hours is >= 0 and <= 8760
            ? TimeSpan.FromHours(hours)
            : throw BackupOpsException.InvalidInput("RetentionHoursInvalid", $"{VerifiedWithinVariable}='{text}' is not a number of hours from 0 to 8760.");
    }

    /// <summary>The retention from <c>BACKUP_RETENTION_DAYS</c> when it is set to a valid number, else null (for advisory checks).</summary>
    public static int? TryFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(RetentionVariable)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 36500
            ? days
            : null;
}
