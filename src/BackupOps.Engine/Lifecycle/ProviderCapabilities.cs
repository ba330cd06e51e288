using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Lifecycle;

/// <summary>
/// What each provider's lifecycle can do, and the translation of a provider-neutral policy into its rules.
/// R2 has only Standard and Infrequent Access (a transition to GLACIER is answered 501); AWS has the full set
/// with minimum ages; a generic server (Ceph RGW, MinIO) takes whatever classes it was configured with.
/// </summary>
public static class ProviderCapabilities
{
    /// <summary>Rules a bucket can hold (R2 and AWS).</summary>
    public const int MaximumRules = 1000;

    /// <summary>Days an object must stay in its class before moving to an infrequent-access class on AWS.</summary>
    public const int AwsInfrequentAccessMinimumDays = 30;

    // Colder classes rank higher; lifecycle never moves an object back to a warmer class.
    private static readonly Dictionary<string, int> Coldness = new(StringComparer.Ordinal)
    {
        ["STANDARD"] = 0,
        ["INTELLIGENT_TIERING"] = 1,
        ["STANDARD_IA"] = 2,
        ["ONEZONE_IA"] = 3,
        ["GLACIER_IR"] = 4,
        ["GLACIER"] = 5,
        ["DEEP_ARCHIVE"] = 6,
    };

    /// <summary>The classes a provider accepts in lifecycle transitions.</summary>
    public static IReadOnlyList<string> TransitionClasses(S3Provider provider) => provider switch
    {
        S3Provider.R2 => ["STANDARD_IA"],
        _ => ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"],
    };

    /// <summary>The tier a tier name or S3 class belongs to, or null for classes outside the seed's tiers.</summary>
    public static StorageTier? TierOf(string storageClass) => storageClass.ToUpperInvariant() switch
    {
        "STANDARD" => StorageTier.Standard,
        "INFREQUENTACCESS" or "STANDARD_IA" or "ONEZONE_IA" => StorageTier.InfrequentAccess,
        "ARCHIVE" or "GLACIER" or "GLACIER_IR" or "DEEP_ARCHIVE" => StorageTier.Archive,
        _ => null,
    };

    /// <summary>Translates and validates a policy for a provider; returns the rules and plain notices about what was adapted.</summary>
    public static (IReadOnlyList<LifecycleRuleSpec> Rules, IReadOnlyList<string> Notices) Map(BucketLifecyclePolicy policy, S3Provider provider)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var notices = new List<string>();
        var rules = new List<LifecycleRuleSpec>();
        if (policy.Rules.Count > MaximumRules)
        {
            throw Invalid("LifecycleTooManyRules", $"The policy for '{policy.Bucket}' has {policy.Rules.Count} rules; buckets hold at most {MaximumRules}. Merge rules with common prefixes.");
        }

        foreach (var rule in policy.Rules)
        {
            rules.Add(MapRule(rule, provider, notices));
        }

        CheckOverlaps(policy, rules);
        return (rules, notices);
    }

    private static LifecycleRuleSpec MapRule(LifecyclePolicyRule rule, S3Provider provider, List<string> notices)
    {
        if (rule.Name.Length is 0 or > 200 || !rule.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw Invalid("LifecycleRuleNameInvalid", $"The rule name '{rule.Name}' is not usable. Use 1-200 letters, digits, '-', '_' or '.'.");
        }

        var transitions = new List<LifecycleTransitionSpec>();
        foreach (var phase in rule.Phases.OrderBy(p => p.AfterDays))
        {
            if (phase.AfterDays < 0)
            {
                throw Invalid("LifecycleDaysNegative", $"Rule '{rule.Name}': the {phase.StorageClass} phase starts after {phase.AfterDays} days, which is negative. Use 0 or more days.");
            }

            var storageClass = ConcreteClass(phase, provider, rule.Name, notices);
            if (storageClass is not null)
            {
                transitions.Add(new LifecycleTransitionSpec(phase.AfterDays, storageClass));
            }
        }

        CheckOrder(rule, transitions, provider);
        if (rule.ExpirationDays is { } expiration)
        {
            if (expiration < 1)
            {
                throw Invalid("LifecycleExpirationInvalid", $"Rule '{rule.Name}': expiration after {expiration} days would delete objects at once. Use 1 or more days (the seed policy: 540).");
            }

            if (transitions.Count > 0 && expiration <= transitions[^1].Days)
            {
                throw Invalid("LifecycleExpirationBeforeTransition", $"Rule '{rule.Name}': expiration at {expiration} days is not after the last transition ({transitions[^1].StorageClass} at {transitions[^1].Days} days). Expire later or drop the transition.");
            }
        }

        if (rule.AbortIncompleteMultipartDays is < 1)
        {
            throw Invalid("LifecycleAbortDaysInvalid", $"Rule '{rule.Name}': aborting incomplete uploads after {rule.AbortIncompleteMultipartDays} days is not possible. Use 1 or more days (R2's default is 7).");
        }

        return new LifecycleRuleSpec
        {
            Id = LifecycleRuleSpec.ManagedIdPrefix + rule.Name,
            Prefix = rule.Prefix,
            Transitions = transitions,
            ExpirationDays = rule.ExpirationDays,
            AbortIncompleteMultipartDays = rule.AbortIncompleteMultipartDays,
        };
    }

    private static string? ConcreteClass(LifecyclePhase phase, S3Provider provider, string ruleName, List<string> notices)
    {
        var name = phase.StorageClass.Trim();
        string concrete = name.ToUpperInvariant() switch
        {
            "INFREQUENTACCESS" => "STANDARD_IA",
            "ARCHIVE" => "GLACIER",
            var upper => upper,
        };

        if (provider == S3Provider.R2 && TierOf(concrete) == StorageTier.Archive || provider == S3Provider.R2 && concrete is "ONEZONE_IA" or "INTELLIGENT_TIERING")
        {
            if (!phase.Explicit)
            {
                notices.Add($"Rule '{ruleName}': the Archive phase (from day {phase.AfterDays}) was NOT applied: Cloudflare R2 has no archive storage class. Objects stay in Infrequent Access until they expire.");
                return null;
            }

            throw Invalid("LifecycleClassUnsupportedOnR2", $"Rule '{ruleName}': Cloudflare R2 has no {name} storage class (R2 offers only Standard and Infrequent Access; a transition to {concrete} is answered 501). Remove the phase (-NoArchive / leave R2_TRANSITION_ARCHIVE_DAYS unset), keep objects in Infrequent Access until expiration, or copy them to an AWS bucket with an archive class.");
        }

        if (!Coldness.ContainsKey(concrete) || concrete == "STANDARD")
        {
            throw Invalid("LifecycleClassUnknown", $"Rule '{ruleName}': '{name}' is not a storage class lifecycle can move objects to on {provider}. Use InfrequentAccess or Archive, or one of: {string.Join(", ", TransitionClasses(provider))}.");
        }

        return concrete;
    }

    private static void CheckOrder(LifecyclePolicyRule rule, List<LifecycleTransitionSpec> transitions, S3Provider provider)
    {
        var previousDays = 0;
        var previousClass = "STANDARD";
        for (var i = 0; i < transitions.Count; i++)
        {
            var t = transitions[i];
            if (i > 0 && t.Days == previousDays)
            {
                throw Invalid("LifecyclePhasesOutOfOrder", $"Rule '{rule.Name}': {previousClass} and {t.StorageClass} both start at {t.Days} days. Each phase must start later than the one before it.");
            }

            if (Coldness[t.StorageClass] <= Coldness[previousClass])
            {
                throw Invalid("LifecyclePhasesOutOfOrder", $"Rule '{rule.Name}': {t.StorageClass} at {t.Days} days comes after {previousClass} at {previousDays} days, but lifecycle only moves objects to colder classes. Order the phases Standard → InfrequentAccess → Archive with increasing days.");
            }

            if (provider == S3Provider.Aws && t.StorageClass is "STANDARD_IA" or "ONEZONE_IA" && t.Days - previousDays < AwsInfrequentAccessMinimumDays)
            {
                throw Invalid("LifecycleBelowClassMinimum", $"Rule '{rule.Name}': AWS requires objects to stay {AwsInfrequentAccessMinimumDays} days in {previousClass} before moving to {t.StorageClass}, but the rule moves them after {t.Days - previousDays} days. Use {previousDays + AwsInfrequentAccessMinimumDays} days or more.");
            }

            previousDays = t.Days;
            previousClass = t.StorageClass;
        }
    }

    private static void CheckOverlaps(BucketLifecyclePolicy policy, List<LifecycleRuleSpec> rules)
    {
        foreach (var hold in policy.LegalHoldPrefixes)
        {
            if (string.IsNullOrEmpty(hold))
            {
                throw Invalid("LegalHoldPrefixInvalid", "A legal-hold prefix is empty, which would hold the whole bucket: then no lifecycle rule may apply. Name the held prefix (for example legal/).");
            }

            foreach (var rule in rules.Where(r => r.ExpirationDays is not null && (hold.StartsWith(r.Prefix, StringComparison.Ordinal) || r.Prefix.StartsWith(hold, StringComparison.Ordinal))))
            {
                throw Invalid("LifecycleReachesLegalHold", $"Rule '{rule.Id}' (prefix '{(rule.Prefix.Length == 0 ? "(whole bucket)" : rule.Prefix)}') expires objects and would reach '{hold}', which is under legal hold. S3 lifecycle filters cannot exclude a prefix: scope the rule to prefixes outside '{hold}' (one rule per prefix in a template).");
            }
        }

        for (var i = 0; i < rules.Count; i++)
        {
            for (var j = i + 1; j < rules.Count; j++)
            {
                if (rules[i].Id == rules[j].Id)
                {
                    throw Invalid("LifecycleRuleDuplicate", $"Two rules are named '{rules[i].Id}'. Give each rule its own name.");
                }

                if (rules[i].Prefix.StartsWith(rules[j].Prefix, StringComparison.Ordinal) || rules[j].Prefix.StartsWith(rules[i].Prefix, StringComparison.Ordinal))
                {
                    throw Invalid("LifecycleRulesOverlap", $"Rules '{rules[i].Id}' ('{rules[i].Prefix}') and '{rules[j].Id}' ('{rules[j].Prefix}') cover the same objects; the provider would apply both. Use prefixes that do not contain each other.");
                }
            }
        }
    }

    private static BackupOpsException Invalid(string id, string message) => BackupOpsException.InvalidInput(id, message);
}
