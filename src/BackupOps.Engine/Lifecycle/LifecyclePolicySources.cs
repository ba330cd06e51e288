using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Lifecycle;

/// <summary>
/// Builds the policy for a bucket from its sources, later overriding earlier: the built-in default (the seed's
/// table), environment variables, a JSON template, parameters.
/// </summary>
public static class LifecyclePolicySources
{
    /// <summary>Days in Standard before Infrequent Access (seed: 30).</summary>
    public const string TransitionVariable = "R2_TRANSITION_STANDARD_DAYS";

    /// <summary>Days before Archive (seed: 180).</summary>
    public const string ArchiveVariable = "R2_TRANSITION_ARCHIVE_DAYS";

    /// <summary>Days before deletion (seed: 540).</summary>
    public const string ExpirationVariable = "R2_EXPIRATION_DAYS";

    /// <summary>Days before incomplete uploads are aborted (R2's own default: 7).</summary>
    public const string AbortVariable = "R2_ABORT_MULTIPART_DAYS";

    /// <summary>The seed table: Standard 0–30, InfrequentAccess 31–180, Archive 181–540, delete at 540; abort uploads after 7 days.</summary>
    public static LifecyclePolicyRule DefaultRule => new()
    {
        Name = "default",
        Phases = [new LifecyclePhase(30, nameof(StorageTier.InfrequentAccess), Explicit: false), new LifecyclePhase(180, nameof(StorageTier.Archive), Explicit: false)],
        ExpirationDays = 540,
        AbortIncompleteMultipartDays = 7,
    };

    /// <summary>Resolves the policy for <paramref name="bucket"/>.</summary>
    public static BucketLifecyclePolicy Resolve(string bucket, string? templatePath, LifecycleOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        BucketLifecyclePolicy policy;
        if (templatePath is not null)
        {
            policy = LifecycleTemplate.Load(templatePath).For(bucket)
                ?? throw BackupOpsException.InvalidInput("LifecycleTemplateBucketMissing", $"The bucket '{bucket}' is not in the template '{templatePath}'. Add it under \"buckets\" or leave the template out to apply the default policy.");
            if (overrides.Prefix is not null)
            {
                throw BackupOpsException.InvalidInput("LifecyclePrefixWithTemplate", "-Prefix / --prefix scopes the default rule only; template rules carry their own prefixes. Set the prefix in the template instead.");
            }
        }
        else
        {
            var rule = ApplyEnvironment(DefaultRule) with { Prefix = overrides.Prefix ?? string.Empty };
            policy = new BucketLifecyclePolicy { Bucket = bucket, Rules = [rule] };
        }

        return policy with
        {
            Rules = [.. policy.Rules.Select(r => ApplyOverrides(r, overrides))],
            LegalHoldPrefixes = [.. policy.LegalHoldPrefixes.Concat(overrides.LegalHoldPrefixes).Distinct(StringComparer.Ordinal)],
        };
    }

    private static LifecyclePolicyRule ApplyEnvironment(LifecyclePolicyRule rule)
    {
        if (ReadDays(TransitionVariable) is { } transition)
        {
            rule = WithPhase(rule, StorageTier.InfrequentAccess, transition);
        }

        if (ReadDays(ArchiveVariable) is { } archive)
        {
            rule = WithPhase(rule, StorageTier.Archive, archive);
        }

        if (ReadDays(ExpirationVariable) is { } expiration)
        {
            rule = rule with { ExpirationDays = expiration };
        }

        if (ReadDays(AbortVariable) is { } abort)
        {
            rule = rule with { AbortIncompleteMultipartDays = abort };
        }

        return rule;
    }

    private static LifecyclePolicyRule ApplyOverrides(LifecyclePolicyRule rule, LifecycleOverrides overrides)
    {
        if (overrides.TransitionDays is { } transition)
        {
            rule = WithPhase(rule, StorageTier.InfrequentAccess, transition);
        }

        if (overrides.NoArchive)
        {
            rule = rule with { Phases = [.. rule.Phases.Where(p => !IsTier(p, StorageTier.Archive))] };
        }
        else if (overrides.ArchiveDays is { } archive)
        {
            rule = WithPhase(rule, StorageTier.Archive, archive);
        }

        if (overrides.ExpirationDays is { } expiration)
        {
            rule = rule with { ExpirationDays = expiration };
        }

        if (overrides.AbortMultipartDays is { } abort)
        {
            rule = rule with { AbortIncompleteMultipartDays = abort };
        }

        return rule;
    }

    private static LifecyclePolicyRule WithPhase(LifecyclePolicyRule rule, StorageTier tier, int days) =>
        rule with { Phases = [.. rule.Phases.Where(p => !IsTier(p, tier)), new LifecyclePhase(days, tier.ToString())] };

    private static bool IsTier(LifecyclePhase phase, StorageTier tier) => ProviderCapabilities.TierOf(phase.StorageClass) == tier;

    private static int? ReadDays(string variable)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var days)
            ? days
            : throw BackupOpsException.InvalidInput("LifecycleVariableInvalid", $"{variable}='{text}' is not a whole number of days. Set it to, for example, {(variable == ExpirationVariable ? 540 : 30)}.");
    }
}
