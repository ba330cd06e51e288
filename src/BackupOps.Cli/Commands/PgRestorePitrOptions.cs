using System.CommandLine;
using System.Globalization;
using BackupOps.Cli.Output;
using BackupOps.Engine.Physical;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Wal;

namespace BackupOps.Cli.Commands;

/// <summary>The point-in-time options of <c>pg restore</c> (--to-time / --to-latest with --cluster) and their action.</summary>
internal sealed class PgRestorePitrOptions
{
    private readonly Option<string?> _cluster = PgWalCommands.ClusterOption();
    private readonly Option<string?> _toTime = new("--to-time") { Description = "Point-in-time recovery of --cluster to this moment ('2026-12-01 10:15:00+00'; UTC when no offset) from a base backup and the WAL archive." };
    private readonly Option<bool> _toLatest = new("--to-latest") { Description = "Point-in-time recovery of --cluster to the last archived WAL." };
    private readonly Option<string?> _dataDirectory = new("--data-directory") { Description = "Recover into this folder and leave it for you to start (refuses a non-empty one without --force)." };
    private readonly Option<bool> _keepRunning = new("--keep-running") { Description = "Leave the recovered server running on 127.0.0.1 and print its endpoint." };
    private readonly Option<string?> _envFile = PgWalCommands.EnvFileOption();

    /// <summary>Options the logical restore already has and the recovery shares.</summary>
    public sealed record Shared(Option<bool> Force, Option<string?> Identity, Option<string[]> Critical, Option<string[]> Smoke, Option<string?> TempDir, Option<string?> Database, Option<string?> BackupId);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _cluster, _toTime, _toLatest, _dataDirectory, _keepRunning, _envFile })
        {
            command.Options.Add(option);
        }
    }

    public bool Requested(ParseResult result) => result.GetValue(_toTime) is not null || result.GetValue(_toLatest);

    public async Task<int> RunAsync(ParseResult result, CommonOptions common, Shared shared, CancellationToken cancellationToken)
    {
        CliProcess.LoadEnvironmentFile(result.GetValue(_envFile));
        var request = new PitrRestoreRequest
        {
            Cluster = ClusterName.Validate(result.GetValue(_cluster)),
            Store = result.GetValue(common.Store),
            S3 = common.S3(result),
            TargetTime = result.GetValue(_toTime) is { } text ? ParseTime(text) : null,
            Latest = result.GetValue(_toLatest),
            BaseBackupId = result.GetValue(shared.BackupId),
            DataDirectory = result.GetValue(_dataDirectory),
            Force = result.GetValue(shared.Force),
            KeepRunning = result.GetValue(_keepRunning),
            Database = result.GetValue(shared.Database) ?? "postgres",
            CriticalTables = result.GetValue(shared.Critical) ?? [],
            SmokeQueries = [.. (result.GetValue(shared.Smoke) ?? []).Select(SmokeQuery.Parse)],
            IdentityFile = result.GetValue(shared.Identity),
            TempDirectory = result.GetValue(shared.TempDir),
            TrustedKeyFiles = common.TrustedKeyFiles(result),
            FetchCommand = CliProcess.SelfCommand(),
            Reporting = common.Reporting(result),
        };
        using var progress = new ConsoleProgress();
        var restored = await PitrRestoreEngine.RunAsync(request, progress, cancellationToken);
        progress.Dispose();
        if (result.GetValue(common.Json))
        {
            JsonOutput.Write(Console.Out, restored);
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Recovered {restored.Cluster} from base backup {restored.BaseBackupId} to {restored.Target} along timeline {restored.Timeline} ({restored.WalSegments} WAL segment(s))"));
            Console.Out.WriteLine(restored.RecoveredToUtc is { } at ? string.Create(CultureInfo.InvariantCulture, $"  recovered to {at:yyyy-MM-dd HH:mm:ss.ffffff} UTC (the last transaction replayed)") : "  no transaction after the base backup was replayed");
            foreach (var step in restored.Steps)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step.Seconds,7:0.0} s  {step.Name}: {step.Detail}"));
            }

            foreach (var check in restored.Checks)
            {
                Console.Out.WriteLine($"  {check.Outcome.ToString().ToUpperInvariant(),-7} {check.Name}: {check.Detail}");
            }

            if (restored.Endpoint is not null)
            {
                Console.Out.WriteLine($"Running at {restored.Endpoint} (the source's passwords; data in {restored.DataDirectory}). Stop it with: {restored.StopCommand}");
            }
            else if (restored.DataDirectory is not null)
            {
                Console.Out.WriteLine($"Recovery prepared in {restored.DataDirectory}: start PostgreSQL on it to replay and promote.");
            }

            Console.Out.WriteLine(restored.Succeeded ? "Validation passed." : "VALIDATION FAILED.");
        }

        return restored.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>Parses a target time; without an offset it is UTC.</summary>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Engine.Errors.BackupOpsException.InvalidInput("PitrTimeInvalid", $"'{text}' is not a time. Write it as '2026-12-01 10:15:00+00' (ISO 8601; UTC when no offset is given).");
}
