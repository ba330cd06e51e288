namespace BackupOps.Engine.Lifecycle;

/// <summary>A transition of a lifecycle rule: after <paramref name="Days"/> days objects move to <paramref name="StorageClass"/>.</summary>
/// <param name="Days">Age in days at which the transition happens.</param>
/// <param name="StorageClass">The S3 storage class name (STANDARD_IA, GLACIER, ...).</param>
public sealed record LifecycleTransitionSpec(int Days, string StorageClass);

/// <summary>
/// One lifecycle rule in provider terms, normalised so two rules compare equal whatever order a server
/// returns them in (transitions sorted by days, an empty prefix for "whole bucket").
/// </summary>
public sealed record LifecycleRuleSpec
{
    /// <summary>Rule id; BackupOps' own rules start with <see cref="ManagedIdPrefix"/>.</summary>
    public required string Id { get; init; }

    /// <summary>Key prefix the rule applies to; empty for the whole bucket.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>True when the rule is enabled.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Transitions, ordered by days.</summary>
    public IReadOnlyList<LifecycleTransitionSpec> Transitions { get; init; } = [];

    /// <summary>Days after which objects are deleted; null for never.</summary>
    public int? ExpirationDays { get; init; }

    /// <summary>Days after which incomplete multipart uploads are aborted; null for never.</summary>
    public int? AbortIncompleteMultipartDays { get; init; }

    /// <summary>True when the server returned parts BackupOps does not model (tags, sizes, versions, dates); such a rule is never rewritten.</summary>
    public bool HasUnmodelledParts { get; init; }

    /// <summary>The id prefix that marks rules BackupOps manages.</summary>
    public const string ManagedIdPrefix = "backupops-";

    /// <summary>True when BackupOps manages this rule.</summary>
    public bool IsManaged => Id.StartsWith(ManagedIdPrefix, StringComparison.Ordinal);

    /// <summary>Order-independent equality of what the rule does.</summary>
    public bool SameAs(LifecycleRuleSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Id == other.Id && Prefix == other.Prefix && Enabled == other.Enabled && ExpirationDays == other.ExpirationDays
            && AbortIncompleteMultipartDays == other.AbortIncompleteMultipartDays && !HasUnmodelledParts && !other.HasUnmodelledParts
            && Transitions.OrderBy(t => t.Days).SequenceEqual(other.Transitions.OrderBy(t => t.Days));
    }

    /// <summary>A one-line description (<c>receipts/: 30d→STANDARD_IA, expire 540d, abort uploads 7d</c>).</summary>
    public string Describe()
    {
        var parts = Transitions.OrderBy(t => t.Days).Select(t => $"{t.Days}d→{t.StorageClass}").ToList();
        if (ExpirationDays is { } expire)
        {
            parts.Add($"expire {expire}d");
        }

        if (AbortIncompleteMultipartDays is { } abort)
        {
            parts.Add($"abort uploads {abort}d");
        }

        return $"{(Prefix.Length == 0 ? "(whole bucket)" : Prefix)}: {(parts.Count == 0 ? "no actions" : string.Join(", ", parts))}{(Enabled ? string.Empty : " [disabled]")}";
    }
}
