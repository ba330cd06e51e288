using System.Text.Json;
using System.Text.Json.Serialization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Lifecycle;

/// <summary>
/// The JSON template: several buckets, each with per-prefix rules and legal-hold prefixes.
/// Format documented in docs/r2-lifecycle.md.
/// </summary>
public sealed record LifecycleTemplate
{
    /// <summary>Template format version (1).</summary>
    public int Version { get; set; } = 1;

    /// <summary>The buckets.</summary>
    public IReadOnlyList<BucketTemplate> Buckets { get; set; } = [];

    /// <summary>One bucket in a template.</summary>
    public sealed record BucketTemplate
    {
        /// <summary>Bucket name.</summary>
        public string Bucket { get; set; } = string.Empty;

        /// <summary>Prefixes no rule may reach.</summary>
        public IReadOnlyList<string> LegalHoldPrefixes { get; set; } = [];

        /// <summary>Rules.</summary>
        public IReadOnlyList<RuleTemplate> Rules { get; set; } = [];
    }

    /// <summary>One rule in a template.</summary>
    public sealed record RuleTemplate
    {
        /// <summary>Rule name (the rule id becomes backupops-name).</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>Key prefix; empty for the whole bucket.</summary>
        public string Prefix { get; set; } = string.Empty;

        /// <summary>Phases after Standard.</summary>
        public IReadOnlyList<PhaseTemplate> Phases { get; set; } = [];

        /// <summary>Delete at this age.</summary>
        public int? ExpirationDays { get; init; }

        /// <summary>Abort incomplete uploads after this many days.</summary>
        public int? AbortIncompleteMultipartDays { get; init; }
    }

    /// <summary>A phase in a template.</summary>
    public sealed record PhaseTemplate
    {
        /// <summary>Age in days at which the phase starts; required (a phase without it is refused, never day 0).</summary>
        public int? AfterDays { get; init; }

        /// <summary>Tier (InfrequentAccess, Archive) or S3 class name.</summary>
        public string StorageClass { get; set; } = string.Empty;
    }

    private static readonly JsonSerializerOptions Options = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });

    /// <summary>Reads a template file; a malformed file is an error naming the file and the problem.</summary>
    public static LifecycleTemplate Load(string path)
    {
        if (!File.Exists(path))
        {
            throw BackupOpsException.InvalidInput("LifecycleTemplateMissing", $"The lifecycle template '{Security.BoundedInput.Shown(path, 200)}' does not exist.");
        }

        try
        {
            var template = JsonSerializer.Deserialize(Security.BoundedInput.ReadDefinition(path, "lifecycle template", "LifecycleTemplateInvalid"), Options.Info<LifecycleTemplate>())
                ?? throw BackupOpsException.InvalidInput("LifecycleTemplateInvalid", $"The lifecycle template '{path}' is empty.");
            if (template.Version != 1)
            {
                throw BackupOpsException.InvalidInput("LifecycleTemplateInvalid", $"The lifecycle template '{path}' has version {template.Version}; this BackupOps reads version 1.");
            }

            RefusePhasesWithoutDays(template, path);
            return template;
        }
        catch (JsonException ex)
        {
            throw BackupOpsException.InvalidInput("LifecycleTemplateInvalid", $"The lifecycle template '{path}' is not valid: {Security.BoundedInput.Shown(ex.Message, 300)} See docs/r2-lifecycle.md for the format.");
        }
    }

    /// <summary>A phase without afterDays would start on day 0 and move every new backup at once: refused, naming the phase.</summary>
    private static void RefusePhasesWithoutDays(LifecycleTemplate template, string path)
    {
        foreach (var bucket in template.Buckets)
        {
            foreach (var rule in bucket.Rules)
            {
                if (rule.Phases.FirstOrDefault(p => p.AfterDays is null) is { } phase)
                {
                    var shown = Security.BoundedInput.Shown(phase.StorageClass.Length == 0 ? "(no storageClass)" : phase.StorageClass);
                    throw BackupOpsException.InvalidInput(
                        "LifecyclePhaseDaysMissing",
                        $"The lifecycle template '{Security.BoundedInput.Shown(path, 200)}': bucket '{Security.BoundedInput.Shown(bucket.Bucket)}', rule '{Security.BoundedInput.Shown(rule.Name)}', phase {shown} has no afterDays, so it would start on day 0. Add \"afterDays\": N (days after upload, for instance 30) to that phase.");
                }
            }
        }
    }

    /// <summary>The template's policy for one bucket, or null when the bucket is not in it.</summary>
    public BucketLifecyclePolicy? For(string bucket)
    {
        var entry = Buckets.FirstOrDefault(b => b.Bucket == bucket);
        return entry is null
            ? null
            : new BucketLifecyclePolicy
            {
                Bucket = bucket,
                LegalHoldPrefixes = entry.LegalHoldPrefixes,
                Rules = [.. entry.Rules.Select(r => new LifecyclePolicyRule
                {
                    Name = r.Name,
                    Prefix = r.Prefix,
                    Phases = [.. r.Phases.Select(p => new LifecyclePhase(p.AfterDays ?? 0, p.StorageClass))],
                    ExpirationDays = r.ExpirationDays,
                    AbortIncompleteMultipartDays = r.AbortIncompleteMultipartDays,
                })],
            };
    }
}
