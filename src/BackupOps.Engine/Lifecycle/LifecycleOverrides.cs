namespace BackupOps.Engine.Lifecycle;

/// <summary>Values given as parameters; they override the template, the environment and the default, on every rule.</summary>
public sealed record LifecycleOverrides
{
    /// <summary>Days in Standard before Infrequent Access.</summary>
    public int? TransitionDays { get; init; }

    /// <summary>Days before Archive (an explicit request: an error on providers without an archive class).</summary>
    public int? ArchiveDays { get; init; }

    /// <summary>Leave the Archive phase out.</summary>
    public bool NoArchive { get; init; }

    /// <summary>Days before deletion.</summary>
    public int? ExpirationDays { get; init; }

    /// <summary>Days before incomplete multipart uploads are aborted.</summary>
    public int? AbortMultipartDays { get; init; }

    /// <summary>Scope of the default rule (ignored by template rules, which carry their own prefixes).</summary>
    public string? Prefix { get; init; }

    /// <summary>Prefixes under legal hold, added to the template's.</summary>
    public IReadOnlyList<string> LegalHoldPrefixes { get; init; } = [];
}
