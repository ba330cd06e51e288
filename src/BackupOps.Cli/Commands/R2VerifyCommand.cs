using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Integrity;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops r2 verify</c>: sample objects and check their SHA-256 against what they carry.</summary>
internal static class R2VerifyCommand
{
    public static Command Create(CommonOptions common)
    {
        var bucket = new Option<string>("--bucket") { Description = "The bucket.", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "Key prefix to sample under.", DefaultValueFactory = _ => string.Empty };
        var sample = new Option<SampleMode>("--sample") { Description = "newest, random or all.", DefaultValueFactory = _ => SampleMode.Newest };
        var count = new Option<int>("--count") { Description = "Objects to check (ignored with --sample all).", DefaultValueFactory = _ => 10 };
        var seed = new Option<int?>("--seed") { Description = "Seed for --sample random (reproducible sample)." };
        var destination = new Option<string?>("--destination") { Description = "Keep the downloaded copies in this folder." };
        var requireVerified = new Option<bool>("--require-verified") { Description = "Fail (exit 1) when an object has nothing to compare with, not only on a mismatch." };
        var command = new Command("verify", "Stream sampled objects through SHA-256 and compare with x-amz-meta-sha256, the backup manifest or the ETag. Exit 1 on a mismatch.");
        foreach (var option in new Option[] { bucket, prefix, sample, count, seed, destination, requireVerified })
        {
            command.Options.Add(option);
        }

        common.AddS3(command);
        command.Options.Add(common.Json);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var progress = new ConsoleProgress();
            var checks = await ObjectVerifier.VerifyAsync(
                new ObjectVerifyRequest
                {
                    Bucket = result.GetValue(bucket)!,
                    Prefix = result.GetValue(prefix)!,
                    S3 = common.S3(result),
                    Mode = result.GetValue(sample),
                    Count = result.GetValue(count),
                    Seed = result.GetValue(seed),
                    Destination = result.GetValue(destination),
                },
                progress,
                cancellationToken);
            progress.Dispose();
            var failed = checks.Count(c => c.Outcome == ObjectCheckOutcome.Failed);
            var unverified = checks.Count(c => c.Outcome == ObjectCheckOutcome.Unverified);
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new ObjectVerifyJson(checks, new ObjectVerifySummaryJson(checks.Count, checks.Count - failed - unverified, failed, unverified, checks.Sum(c => c.SizeBytes))));
            }
            else
            {
                foreach (var check in checks)
                {
                    Console.Out.WriteLine($"{check.Outcome.ToString().ToUpperInvariant(),-10} {check.Reference,-14} {check.Key}{(check.Outcome == ObjectCheckOutcome.Passed && check.Reference != HashReference.EtagMd5 ? string.Empty : ": " + check.Detail)}");
                }

                Console.Out.WriteLine($"{checks.Count} checked: {checks.Count - failed - unverified} passed, {failed} failed, {unverified} unverified ({Bytes.Format(checks.Sum(c => c.SizeBytes))} read).");
            }

            // An ETag is an MD5 anyone who can write the bucket recomputes (aws s3 cp): a match is weak, not proof.
            var weak = checks.Count(c => c.Outcome == ObjectCheckOutcome.Passed && c.Reference == HashReference.EtagMd5);
            if (result.GetValue(requireVerified))
            {
                if (checks.Count == 0)
                {
                    Console.Error.WriteLine($"backupops: error [NothingVerified]: no object was found under '{Engine.Security.BoundedInput.Shown(result.GetValue(prefix))}' in {result.GetValue(bucket)}: nothing was verified (an empty or mistyped --prefix?).");
                    return ExitCodes.Failed;
                }

                if (weak > 0)
                {
                    Console.Error.WriteLine($"backupops: error [WeakVerification]: {weak} object(s) matched only their ETag (MD5, which a writer of the bucket recomputes), not a SHA-256 BackupOps recorded; --require-verified wants SHA-256.");
                    return ExitCodes.Failed;
                }
            }

            return failed > 0 || (unverified > 0 && result.GetValue(requireVerified)) ? ExitCodes.Failed : ExitCodes.Success;
        });
        return command;
    }
}
