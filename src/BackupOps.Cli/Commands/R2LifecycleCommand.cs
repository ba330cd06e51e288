using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Lifecycle;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops r2 lifecycle set|get|test</c>: storage tiers by age, managing only BackupOps' rules.</summary>
internal static class R2LifecycleCommand
{
    public static Command Create(CommonOptions common)
    {
        var lifecycle = new Command("lifecycle", "Storage-tier rules of a bucket: set (idempotent, keeps others' rules), get, test (drift).");
        lifecycle.Subcommands.Add(CreateSet(common));
        lifecycle.Subcommands.Add(CreateGet(common));
        lifecycle.Subcommands.Add(CreateTest(common));
        return lifecycle;
    }

    private static Command CreateSet(CommonOptions common)
    {
        var policy = new LifecyclePolicyOptions();
        var replace = new Option<bool>("--replace") { Description = "Replace the whole configuration, removing rules BackupOps does not manage." };
        var force = new Option<bool>("--force") { Description = "Apply a change that deletes objects sooner than before (refused without it)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the difference; write nothing." };
        var command = new Command("set", "Apply the policy to the bucket(s); nothing is written when a bucket already matches.");
        policy.AddTo(command);
        common.AddS3(command);
        foreach (var option in new Option[] { replace, force, dryRun, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var outputs = new List<LifecycleResult>();
            foreach (var bucket in result.GetValue(policy.Buckets)!)
            {
                var request = policy.Request(result, bucket, common, result.GetValue(replace));
                var plan = await LifecycleEngine.PlanAsync(request, cancellationToken);
                if (!plan.InSync && plan.DeletesSooner && !result.GetValue(force) && !result.GetValue(dryRun))
                {
                    throw new BackupOpsException(BackupOpsErrorKind.Refused, "LifecycleDeletesSooner", $"Applying this policy to '{bucket}' deletes objects sooner than before ({string.Join("; ", plan.Changes.Select(c => c.Describe()))}). Check with --dry-run, then re-run with --force.") { Target = bucket };
                }

                outputs.Add(result.GetValue(dryRun) || plan.InSync ? plan : await LifecycleEngine.ApplyAsync(request, cancellationToken));
            }

            Report(outputs, result.GetValue(common.Json), result.GetValue(dryRun) ? "would change" : "changed");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateTest(CommonOptions common)
    {
        var policy = new LifecyclePolicyOptions();
        var command = new Command("test", "Compare the bucket(s) with the policy: missing, extra, different rules. Exit 1 on drift.");
        policy.AddTo(command);
        common.AddS3(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            var outputs = new List<LifecycleResult>();
            foreach (var bucket in result.GetValue(policy.Buckets)!)
            {
                outputs.Add(await LifecycleEngine.PlanAsync(policy.Request(result, bucket, common, replace: false), cancellationToken));
            }

            Report(outputs, result.GetValue(common.Json), "drift");
            return outputs.All(o => o.InSync) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command CreateGet(CommonOptions common)
    {
        var bucket = new Option<string>("--bucket") { Description = "The bucket.", Required = true };
        var command = new Command("get", "Print the bucket's rules, normalised; BackupOps' rules are marked.");
        command.Options.Add(bucket);
        common.AddS3(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            var lifecycle = await LifecycleEngine.GetAsync(result.GetValue(bucket)!, common.S3(result), cancellationToken);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new LifecycleJson(lifecycle.Bucket, lifecycle.Rules.Select(r => new LifecycleRuleJson(r.Id, r.Prefix, r.Enabled, r.Transitions, r.ExpirationDays, r.AbortIncompleteMultipartDays, r.IsManaged, r.HasUnmodelledParts))));
            }
            else
            {
                foreach (var rule in lifecycle.Rules)
                {
                    Console.Out.WriteLine($"{(rule.IsManaged ? "*" : " ")} {rule.Id}: {rule.Describe()}");
                }

                Console.Out.WriteLine(lifecycle.Rules.Count == 0 ? "(no lifecycle rules)" : "(* = managed by BackupOps)");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Report(List<LifecycleResult> results, bool json, string verb)
    {
        if (json)
        {
            JsonOutput.Write(Console.Out, results.Select(r => new LifecycleResultJson(r.Bucket, r.Provider.ToString(), r.InSync, r.Applied, r.DeletesSooner, r.Changes.Select(c => c.Describe()), r.Rules.Select(x => x.Describe()), r.ForeignRules.Select(x => x.Id), r.Notices, r.Warnings)));
            return;
        }

        foreach (var r in results)
        {
            Console.Out.WriteLine(r.InSync ? $"{r.Bucket}: in sync with the policy ({r.Provider})" : $"{r.Bucket}: {r.Changes.Count} rule(s) {verb}{(r.Applied ? " — applied" : string.Empty)} ({r.Provider})");
            foreach (var change in r.Changes)
            {
                Console.Out.WriteLine("  " + change.Describe());
            }

            foreach (var line in r.Notices.Concat(r.Warnings))
            {
                Console.Error.WriteLine($"warning: {r.Bucket}: {line}");
            }
        }
    }
}
