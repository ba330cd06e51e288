namespace BackupOps.Engine.Lifecycle;

/// <summary>
/// Warns where a lifecycle and the backup retention work against each other: backups moved to Infrequent Access
/// that retention deletes before the class's 30-day minimum charge is used up, or backups expired by lifecycle
/// while retention still wants them (including the newest one, which retention never deletes).
/// </summary>
public static class RetentionReconciler
{
    /// <summary>Minimum storage duration billed for Infrequent Access on R2 and AWS.</summary>
    public const int InfrequentAccessMinimumDays = 30;

    /// <summary>Warnings for rules that reach <paramref name="backupPrefix"/> given the backups' retention.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<LifecycleRuleSpec> rules, int retentionDays, string backupPrefix)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var warnings = new List<string>();
        foreach (var rule in rules.Where(r => backupPrefix.StartsWith(r.Prefix, StringComparison.Ordinal) || r.Prefix.StartsWith(backupPrefix, StringComparison.Ordinal)))
        {
            foreach (var transition in rule.Transitions.Where(t => t.StorageClass is "STANDARD_IA" or "ONEZONE_IA"))
            {
                if (retentionDays > transition.Days && retentionDays < transition.Days + InfrequentAccessMinimumDays)
                {
                    warnings.Add($"Rule '{rule.Id}' moves backups to {transition.StorageClass} after {transition.Days} days, but the backup retention deletes them after {retentionDays} days — {retentionDays - transition.Days} days in a class billed for at least {InfrequentAccessMinimumDays}. Transition at {retentionDays} days or later (so backups are deleted first), or keep backups {transition.Days + InfrequentAccessMinimumDays}+ days.");
                }
            }

            if (rule.ExpirationDays is { } expiration && expiration < retentionDays)
            {
                warnings.Add($"Rule '{rule.Id}' expires backups after {expiration} days, but the backup retention keeps them {retentionDays} days. Lifecycle would delete backups the retention still wants — and the newest one too if backups stop for {expiration} days. Expire later than {retentionDays} days or exclude the backup prefix '{backupPrefix}'.");
            }
        }

        return warnings;
    }
}
