using BackupOps.Engine.Errors;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Stores;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The policy model and its provider validation: every error with its message, and the R2 mapping of the seed.</summary>
[Collection(ProcessEnvironment.Name)]
public sealed class LifecyclePolicyTests
{
    private static BucketLifecyclePolicy Policy(params LifecyclePolicyRule[] rules) => new() { Bucket = "b", Rules = rules };

    private static LifecyclePolicyRule Rule(string name = "r", string prefix = "", int? expire = 540, params (int Days, string Class)[] phases) =>
        new() { Name = name, Prefix = prefix, ExpirationDays = expire, Phases = [.. phases.Select(p => new LifecyclePhase(p.Days, p.Class))] };

    private static BackupOpsException Rejected(BucketLifecyclePolicy policy, S3Provider provider) =>
        Assert.Throws<BackupOpsException>(() => ProviderCapabilities.Map(policy, provider));

    [Fact]
    public void Seed_default_on_R2_is_IA_at_30_delete_at_540_abort_7_and_says_archive_was_not_applied()
    {
        var policy = LifecyclePolicySources.Resolve("assets", null, new LifecycleOverrides());
        var (rules, notices) = ProviderCapabilities.Map(policy, S3Provider.R2);

        var rule = Assert.Single(rules);
        Assert.Equal("backupops-default", rule.Id);
        Assert.Equal([new LifecycleTransitionSpec(30, "STANDARD_IA")], rule.Transitions);
        Assert.Equal(540, rule.ExpirationDays);
        Assert.Equal(7, rule.AbortIncompleteMultipartDays);
        Assert.Contains(notices, n => n.Contains("Archive phase", StringComparison.Ordinal) && n.Contains("NOT applied", StringComparison.Ordinal));
    }

    [Fact]
    public void Seed_default_on_AWS_keeps_the_archive_phase_as_GLACIER()
    {
        var (rules, notices) = ProviderCapabilities.Map(LifecyclePolicySources.Resolve("assets", null, new LifecycleOverrides()), S3Provider.Aws);
        Assert.Equal([new LifecycleTransitionSpec(30, "STANDARD_IA"), new LifecycleTransitionSpec(180, "GLACIER")], Assert.Single(rules).Transitions);
        Assert.Empty(notices);
    }

    [Fact]
    public void An_explicit_archive_phase_on_R2_is_an_error_that_says_what_to_do()
    {
        var error = Rejected(LifecyclePolicySources.Resolve("assets", null, new LifecycleOverrides { ArchiveDays = 181 }), S3Provider.R2);
        Assert.Equal("LifecycleClassUnsupportedOnR2", error.ErrorId);
        Assert.Contains("R2 has no Archive storage class", error.Message, StringComparison.Ordinal);
        Assert.Contains("501", error.Message, StringComparison.Ordinal);
        Assert.Contains("-NoArchive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_override_the_default_and_parameters_override_them()
    {
        Environment.SetEnvironmentVariable(LifecyclePolicySources.TransitionVariable, "45");
        Environment.SetEnvironmentVariable(LifecyclePolicySources.ExpirationVariable, "400");
        try
        {
            var fromEnvironment = Assert.Single(ProviderCapabilities.Map(LifecyclePolicySources.Resolve("b", null, new LifecycleOverrides()), S3Provider.R2).Rules);
            Assert.Equal(45, fromEnvironment.Transitions[0].Days);
            Assert.Equal(400, fromEnvironment.ExpirationDays);

            var fromParameters = Assert.Single(ProviderCapabilities.Map(LifecyclePolicySources.Resolve("b", null, new LifecycleOverrides { ExpirationDays = 700 }), S3Provider.R2).Rules);
            Assert.Equal(45, fromParameters.Transitions[0].Days);
            Assert.Equal(700, fromParameters.ExpirationDays);

            Environment.SetEnvironmentVariable(LifecyclePolicySources.ExpirationVariable, "soon");
            var bad = Assert.Throws<BackupOpsException>(() => LifecyclePolicySources.Resolve("b", null, new LifecycleOverrides()));
            Assert.Contains("R2_EXPIRATION_DAYS='soon'", bad.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(LifecyclePolicySources.TransitionVariable, null);
            Environment.SetEnvironmentVariable(LifecyclePolicySources.ExpirationVariable, null);
        }
    }

    [Theory]
    [InlineData(-1, "InfrequentAccess", 540, "LifecycleDaysNegative", "is negative")]
    [InlineData(30, "InfrequentAccess", 0, "LifecycleExpirationInvalid", "Use 1 or more days")]
    [InlineData(30, "InfrequentAccess", 20, "LifecycleExpirationBeforeTransition", "is not after the last transition")]
    [InlineData(10, "InfrequentAccess", 540, "LifecycleBelowClassMinimum", "Use 30 days or more")]
    [InlineData(30, "FROZEN", 540, "LifecycleClassUnknown", "'FROZEN' is not a storage class")]
    public void Single_phase_errors_name_the_rule_and_the_fix(int days, string storageClass, int expire, string errorId, string fragment)
    {
        var error = Rejected(Policy(Rule("receipts", "receipts/", expire, (days, storageClass))), S3Provider.Aws);
        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains("'receipts'", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Phases_out_of_order_are_rejected()
    {
        var warmerLater = Rejected(Policy(Rule("r", "", 540, (30, "GLACIER"), (60, "STANDARD_IA"))), S3Provider.Aws);
        Assert.Equal("LifecyclePhasesOutOfOrder", warmerLater.ErrorId);
        Assert.Contains("only moves objects to colder classes", warmerLater.Message, StringComparison.Ordinal);
        Assert.Equal("LifecyclePhasesOutOfOrder", Rejected(Policy(Rule("r", "", 540, (30, "STANDARD_IA"), (30, "GLACIER"))), S3Provider.Aws).ErrorId);
        Assert.Equal("LifecycleBelowClassMinimum", Rejected(Policy(Rule("r", "", 540, (30, "STANDARD_IA"), (40, "ONEZONE_IA"))), S3Provider.Aws).ErrorId);
    }

    [Fact]
    public void Generic_servers_take_short_transitions_that_AWS_refuses()
    {
        var (rules, _) = ProviderCapabilities.Map(Policy(Rule("t", "tier/", null, (1, "STANDARD_IA"))), S3Provider.Generic);
        Assert.Equal(1, Assert.Single(rules).Transitions[0].Days);
    }

    [Fact]
    public void Rules_reaching_a_legal_hold_or_each_other_are_rejected()
    {
        var whole = Rejected(Policy(Rule("all", "")) with { LegalHoldPrefixes = ["legal/"] }, S3Provider.R2);
        Assert.Equal("LifecycleReachesLegalHold", whole.ErrorId);
        Assert.Contains("cannot exclude a prefix", whole.Message, StringComparison.Ordinal);
        Assert.Equal("LifecycleReachesLegalHold", Rejected(Policy(Rule("in", "legal/2026/")) with { LegalHoldPrefixes = ["legal/"] }, S3Provider.R2).ErrorId);
        Assert.Single(ProviderCapabilities.Map(Policy(Rule("receipts", "receipts/")) with { LegalHoldPrefixes = ["legal/"] }, S3Provider.R2).Rules);

        Assert.Equal("LifecycleRulesOverlap", Rejected(Policy(Rule("a", "x/"), Rule("b", "x/y/")), S3Provider.R2).ErrorId);
        Assert.Equal("LifecycleRuleNameInvalid", Rejected(Policy(Rule("bad name")), S3Provider.R2).ErrorId);
        Assert.Equal("LegalHoldPrefixInvalid", Rejected(Policy(Rule("a", "x/")) with { LegalHoldPrefixes = [""] }, S3Provider.R2).ErrorId);
    }

    [Fact]
    public void Planner_compares_without_order_keeps_foreign_rules_and_flags_sooner_deletion()
    {
        var ours = new LifecycleRuleSpec { Id = "backupops-a", Prefix = "a/", Transitions = [new(30, "STANDARD_IA"), new(180, "GLACIER")], ExpirationDays = 540 };
        var reordered = ours with { Transitions = [new(180, "GLACIER"), new(30, "STANDARD_IA")] };
        var foreign = new LifecycleRuleSpec { Id = "team-logs", Prefix = "logs/", ExpirationDays = 7 };

        Assert.Empty(LifecyclePlanner.Plan([foreign, reordered], [ours], replace: false).Changes);

        var sooner = LifecyclePlanner.Plan([foreign, ours], [ours with { ExpirationDays = 400 }], replace: false);
        Assert.True(sooner.DeletesSooner);
        Assert.Equal(RuleChangeKind.Changed, Assert.Single(sooner.Changes).Kind);
        Assert.False(LifecyclePlanner.Plan([ours], [ours with { ExpirationDays = 700 }], replace: false).DeletesSooner);

        var replace = LifecyclePlanner.Plan([foreign, ours], [ours], replace: true);
        Assert.Equal("team-logs", Assert.Single(replace.Changes, c => c.Kind == RuleChangeKind.Removed).Id);
    }

    [Fact]
    public void Retention_reconciliation_warns_about_wasted_IA_and_early_expiry()
    {
        var rule = new LifecycleRuleSpec { Id = "backupops-backups", Prefix = "", Transitions = [new(7, "STANDARD_IA")], ExpirationDays = 10 };
        var warnings = RetentionReconciler.Check([rule], retentionDays: 14, backupPrefix: "pg/");
        Assert.Contains(warnings, w => w.Contains("7 days in a class billed for at least 30", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("expires backups after 10 days", StringComparison.Ordinal));
        Assert.Empty(RetentionReconciler.Check([rule with { Prefix = "assets/" }], 14, "pg/"));
    }

    [Fact]
    public void Template_files_give_per_prefix_rules_for_several_buckets()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "policy.json");
        File.WriteAllText(path, """
            { "version": 1,
              "buckets": [
                { "bucket": "assets", "legalHoldPrefixes": ["legal/"],
                  "rules": [ { "name": "receipts", "prefix": "receipts/", "phases": [ { "afterDays": 30, "storageClass": "InfrequentAccess" } ], "expirationDays": 540 },
                             { "name": "qr", "prefix": "qr/", "expirationDays": 90 } ] },
                { "bucket": "other", "rules": [] } ] }
            """);
        var (rules, _) = ProviderCapabilities.Map(LifecyclePolicySources.Resolve("assets", path, new LifecycleOverrides()), S3Provider.R2);
        Assert.Equal(["backupops-receipts", "backupops-qr"], rules.Select(r => r.Id).ToArray());
        Assert.Equal("LifecycleTemplateBucketMissing", Assert.Throws<BackupOpsException>(() => LifecyclePolicySources.Resolve("missing", path, new LifecycleOverrides())).ErrorId);
        File.WriteAllText(path, """{ "version": 1, "buckets": [ { "bucket": "assets", "rulez": [] } ] }""");
        Assert.Equal("LifecycleTemplateInvalid", Assert.Throws<BackupOpsException>(() => LifecyclePolicySources.Resolve("assets", path, new LifecycleOverrides())).ErrorId);
    }
}
