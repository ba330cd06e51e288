namespace BackupOps.Engine.Lifecycle;

/// <summary>How a rule differs between the bucket and the policy.</summary>
public enum RuleChangeKind
{
    /// <summary>In the policy, not in the bucket.</summary>
    Added,
    /// <summary>In the bucket, not in the policy (managed rules; foreign ones only with Replace).</summary>
    Removed,
    /// <summary>In both, different.</summary>
    Changed,
}

/// <summary>One rule difference.</summary>
/// <param name="Kind">What kind.</param>
/// <param name="Id">Rule id.</param>
/// <param name="Before">The bucket's rule (null when added).</param>
/// <param name="After">The policy's rule (null when removed).</param>
public sealed record RuleChange(RuleChangeKind Kind, string Id, LifecycleRuleSpec? Before, LifecycleRuleSpec? After)
{
    /// <summary>A line for -WhatIf and reports.</summary>
    public string Describe() => Kind switch
    {
        RuleChangeKind.Added => $"+ {Id}: {After!.Describe()}",
        RuleChangeKind.Removed => $"- {Id}: {Before!.Describe()}",
        _ => $"~ {Id}: {Before!.Describe()}  →  {After!.Describe()}",
    };
}

/// <summary>What applying a policy to a bucket would change.</summary>
/// <param name="Changes">Rule differences (empty when the bucket already matches).</param>
/// <param name="DeletesSooner">True when a change makes objects be deleted sooner than before (or at all).</param>
/// <param name="Desired">The managed rules after applying.</param>
/// <param name="Foreign">Rules not managed by BackupOps in the bucket.</param>
public sealed record LifecyclePlan(IReadOnlyList<RuleChange> Changes, bool DeletesSooner, IReadOnlyList<LifecycleRuleSpec> Desired, IReadOnlyList<LifecycleRuleSpec> Foreign);

/// <summary>Compares a bucket's rules with the policy, without depending on order.</summary>
public static class LifecyclePlanner
{
    /// <summary>Plans the changes. Only managed rules (id prefix backupops-) change unless <paramref name="replace"/>.</summary>
    public static LifecyclePlan Plan(IReadOnlyList<LifecycleRuleSpec> current, IReadOnlyList<LifecycleRuleSpec> desired, bool replace)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        var changes = new List<RuleChange>();
        var currentById = current.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var rule in desired)
        {
            if (!currentById.TryGetValue(rule.Id, out var before))
            {
                changes.Add(new RuleChange(RuleChangeKind.Added, rule.Id, null, rule));
            }
            else if (!before.SameAs(rule))
            {
                changes.Add(new RuleChange(RuleChangeKind.Changed, rule.Id, before, rule));
            }
        }

        var desiredIds = desired.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in current.Where(r => !desiredIds.Contains(r.Id) && (r.IsManaged || replace)))
        {
            changes.Add(new RuleChange(RuleChangeKind.Removed, rule.Id, rule, null));
        }

        var deletesSooner = changes.Any(c => c.After?.ExpirationDays is { } after
            && (c.Before?.ExpirationDays is not { } before || after < before || c.Before.Prefix != c.After.Prefix));
        return new LifecyclePlan(changes, deletesSooner, desired, [.. current.Where(r => !r.IsManaged)]);
    }
}
