using System.Diagnostics;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Drill;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Tests.Servers;
using CsCheck;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// A fuzzed CLI (#13 item 7). Property-based: CsCheck generates bounded random and mutated connection strings, drill
/// files and CLI argument vectors; each is accepted, or refused as bad input in one bounded line — never an unexpected
/// exception, never a hang. The named cases below are the crashes and silent acceptances of the issue's Found 7–8,
/// each a regression test against the real binary.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] UrlPieces =
    [
        "postgresql://", "postgres://", "u@", "user:", "@", "127.0.0.1", "localhost", ":5432", ":0", ":99999", "/", "db", "%00", "%0a", "%",
        "?", "&", "sslmode=", "require", "bogus", "connect_timeout=", "-5", "abc", "10", "options=", "-c x=y", "host=", "dbname=", "user=",
        "port=", "password=", "'", "\\", " ", "\n", "\0", "é", "日本",
    ];

    [Fact]
    public void Fuzzed_connection_strings_are_parsed_whole_or_refused_in_one_bounded_line()
    {
        var piece = Gen.OneOfConst(UrlPieces);
        var noise = Gen.Char.Array[1, 6].Select(c => new string(c));
        var text = Gen.Frequency((4, piece), (1, noise)).Array[0, 14].Select(parts => string.Concat(parts));
        var long1 = Gen.Int[0, 3].Select(n => n switch { 0 => string.Empty, 1 => new string('a', 64), 2 => new string('a', 10_000), _ => new string('\n', 40) });
        Gen.Select(text, long1, Gen.Int[0, 2], (t, l, where) => where switch { 0 => t + l, 1 => l + t, _ => t.Insert(t.Length / 2, l) })
            .Sample(
                input =>
                {
                    try
                    {
                        var settings = PgConnectionSettings.Parse(input);
                        Assert.False(string.IsNullOrWhiteSpace(settings.Host));
                        Assert.DoesNotContain(settings.Host + settings.Database + settings.Username, char.IsControl);
                        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(settings.Database), 1, 63);
                        Assert.True(settings.SslMode is null or "disable" or "allow" or "prefer" or "require" or "verify-ca" or "verify-full", settings.SslMode);
                    }
                    catch (BackupOpsException ex)
                    {
                        AssertOneBoundedLine(ex);
                    }
                },
                iter: 3000,
                threads: 1);
    }

    [Fact]
    public void Fuzzed_drill_files_and_lifecycle_templates_load_or_are_refused_in_one_bounded_line()
    {
        using var work = new TempFolder();
        var start = DrillConfig.StartingPoint;
        var numbers = Gen.OneOfConst("1e308", "-5", "0", "-1e308", "1.5", "99999999999999999999", "\"x\"", "null", "[]", "{}", "true");
        var mutation = Gen.Int[0, 4];
        var counter = 0;
        Gen.Select(mutation, Gen.Int[0, start.Length - 1], Gen.Int[1, 40], numbers)
            .Select(m => (Mutate(start, m.Item1, m.Item2, m.Item3, m.Item4), Mutate(LifecycleSample, m.Item1, m.Item2 % LifecycleSample.Length, m.Item3, m.Item4)))
            .Sample(
                files =>
                {
                    var n = Interlocked.Increment(ref counter);
                    var drill = Path.Combine(work.Path, $"drill-{n}.json");
                    var template = Path.Combine(work.Path, $"template-{n}.json");
                    File.WriteAllText(drill, files.Item1);
                    File.WriteAllText(template, files.Item2);
                    foreach (var load in new Action[] { () => DrillConfig.Load(drill), () => LifecycleTemplate.Load(template) })
                    {
                        try
                        {
                            load();
                        }
                        catch (BackupOpsException ex)
                        {
                            AssertOneBoundedLine(ex);
                        }
                    }
                },
                iter: 400,
                threads: 1);
    }

    [Fact]
    public async Task Fuzzed_cli_arguments_never_crash_or_hang_the_real_binary()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "store");
        var verbs = Gen.OneOfConst<string[]>(["pg", "backup", "--dry-run"], ["pg", "list"], ["pg", "prune", "--dry-run"], ["status"], ["redis", "list"], ["drill", "--dry-run"], ["pg", "restore", "--dry-run"]);
        var options = Gen.OneOfConst("--database-url", "--max-age-hours", "--retention-days", "--minimum-keep", "--backup-id", "--target-database", "--jobs", "--config", "--compress", "--interrupted-after-minutes", "--expect", "--bogus");
        var values = Gen.OneOf(
            Gen.OneOfConst("postgresql://u@127.0.0.1:1/db", "host= dbname=", "-1", "0", "1e308", "NaN", "99999999999", "", "/dev/zero", "/", "%00", "db\nFAKE line", new string('x', 5000)),
            Gen.Char.Array[0, 12].Select(c => new string(c).Replace("\0", string.Empty, StringComparison.Ordinal)));
        var argument = Gen.Select(options, values, (o, v) => new[] { o, v });
        var inputs = Gen.Select(verbs, argument.Array[0, 4], (verb, pairs) => verb.Concat(pairs.SelectMany(p => p)).ToArray()).Array[40].Single();

        foreach (var arguments in inputs)
        {
            var run = await RunBoundedAsync(work.Path, store, arguments);
            var shown = string.Join(' ', arguments.Select(a => a.Length > 40 ? a[..40] + "..." : a));
            Assert.True(run.ExitCode is 0 or 1 or 2, $"exit {run.ExitCode} for {shown}: {run.All}");
            Assert.DoesNotContain("UnexpectedError", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", run.All, StringComparison.Ordinal);
            Assert.All(run.Stderr.Split('\n'), line => Assert.True(line.Length <= 2000, $"a {line.Length}-character error line for {shown}"));
        }
    }

    public static TheoryData<string, string[], string> Found =>
        new()
        {
            { "empty host and database (was ArgumentNullException)", ["pg", "backup", "--dry-run", "--database-url", "host= dbname="], "host" },
            { "10,000-character database (was 'Startup message bigger than buffer')", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/" + new string('d', 10_000)], "characters" },
            { "100-character user name", ["pg", "backup", "--dry-run", "--database-url", "postgresql://" + new string('u', 100) + "@127.0.0.1/db"], "user name" },
            { "%00 in the database (was ArgumentException)", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/d%00b"], "database name" },
            { "status --max-age-hours 99999999999 (was TimeSpan overflow)", ["status", "--max-age-hours", "99999999999"], "--max-age-hours" },
            { "sslmode=bogus (passed the dry run, then failed in pg_dump)", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/db?sslmode=bogus"], "sslmode 'bogus'" },
            { "connect_timeout=abc (was silently dropped)", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/db?connect_timeout=abc"], "connect_timeout 'abc'" },
            { "connect_timeout=-5 (was silently dropped)", ["pg", "backup", "--dry-run", "--database-url", "host=127.0.0.1 dbname=db connect_timeout=-5"], "connect_timeout '-5'" },
            { "options= (was silently dropped)", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/db?options=-c%20search_path%3Dx"], "ALTER ROLE" },
            { "a newline in raw input (was an extra stderr line)", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1/db\nbackupops: error [Forged]: line"], "database name" },
            { "--config /dev/zero (was read until out of memory)", ["drill", "--config", "/dev/zero"], "larger than" },
            { "drill rpoMinutes 1e308 (was TimeSpan overflow)", ["drill", "--dry-run", "--config", "rpo.json"], "ten years" },
            { "drill logPath a directory (failed after the drill)", ["drill", "--dry-run", "--config", "logdir.json"], "logPath" },
            { "drill logPath /dev/full (failed after the drill)", ["drill", "--dry-run", "--config", "devfull.json"], "logPath" },
            { "drill reportDirectory a file (failed after the drill)", ["drill", "--dry-run", "--config", "reportfile.json"], "reportDirectory" },
            { "a URL without a database (was: backed up 'postgres')", ["pg", "backup", "--dry-run", "--database-url", "postgresql://u@127.0.0.1:1"], "PGDATABASE" },
            { "drill queue bounds 10..0 (passed the dry run)", ["drill", "--dry-run", "--config", "queue-reversed.json"], "redis[0].queues[0]" },
            { "drill queue bounds =.. (passed the dry run)", ["drill", "--dry-run", "--config", "queue-nokey.json"], "redis[0].queues[0]" },
            { "drill queue bounds / (passed the dry run)", ["drill", "--dry-run", "--config", "queue-slash.json"], "redis[0].queues[0]" },
            { "drill smoke expectation '=> >>> zero' (passed the dry run)", ["drill", "--dry-run", "--config", "smoke.json"], "databases[0].smokeQueries[0]" },
            { "drill sampleSize -5 (passed the dry run)", ["drill", "--dry-run", "--config", "sample.json"], "objectStores[0].sampleSize -5" },
            { "drill identityFile that does not exist (passed the dry run)", ["drill", "--dry-run", "--config", "identity.json"], "databases[0].identityFile './missing-identity.txt'" },
        };

    /// <summary>The drill definitions of Found 8 that the dry run passed and the real drill rejected or crashed on.</summary>
    private static readonly (string File, string From, string To)[] DrillDefinitions =
    [
        ("queue-reversed.json", "queue:emails=0..10000", "queue:emails=10..0"),
        ("queue-nokey.json", "queue:emails=0..10000", "=.."),
        ("queue-slash.json", "queue:emails=0..10000", "/"),
        ("smoke.json", "SELECT count(*) FROM attendees => > 0", "=> >>> zero"),
        ("sample.json", "\"sampleSize\": 20", "\"sampleSize\": -5"),
        ("identity.json", "\"name\": \"monotickets\",", "\"name\": \"monotickets\", \"identityFile\": \"./missing-identity.txt\","),
    ];

    private static void WriteDrillDefinitions(string folder)
    {
        foreach (var (file, from, to) in DrillDefinitions)
        {
            Assert.Contains(from, DrillConfig.StartingPoint, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, file), DrillConfig.StartingPoint.Replace(from, to, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_dry_run_and_the_real_drill_refuse_each_bad_definition_with_the_same_line()
    {
        using var work = new TempFolder();
        WriteDrillDefinitions(work.Path);
        foreach (var (file, _, _) in DrillDefinitions)
        {
            var dry = await RunBoundedAsync(work.Path, Path.Combine(work.Path, "store"), ["drill", "--dry-run", "--config", file]);
            var real = await RunBoundedAsync(work.Path, Path.Combine(work.Path, "store"), ["drill", "--config", file]);

            Assert.True(dry.ExitCode == 2 && real.ExitCode == 2, $"{file}: dry run exit {dry.ExitCode}, drill exit {real.ExitCode}: {dry.All} {real.All}");
            Assert.Equal(dry.Stderr, real.Stderr);
            Assert.Single(dry.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(file, dry.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_lifecycle_phase_without_after_days_is_refused_not_day_0()
    {
        using var work = new TempFolder();
        var template = Path.Combine(work.Path, "nodays.json");
        File.WriteAllText(template, LifecycleSample.Replace(", \"afterDays\": 30", string.Empty, StringComparison.Ordinal));
        var error = Assert.Throws<BackupOpsException>(() => LifecycleTemplate.Load(template));
        Assert.Equal("LifecyclePhaseDaysMissing", error.ErrorId);
        Assert.Contains("phase STANDARD_IA has no afterDays", error.Message, StringComparison.Ordinal);
        AssertOneBoundedLine(error);
    }

    [Theory]
    [MemberData(nameof(Found))]
    public async Task Found_in_the_issue_is_refused_with_exit_2_in_one_line(string name, string[] arguments, string named)
    {
        using var work = new TempFolder();
        var start = DrillConfig.StartingPoint;
        File.WriteAllText(Path.Combine(work.Path, "rpo.json"), start.Replace("\"rpoMinutes\": 1560", "\"rpoMinutes\": 1e308", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(work.Path, "a-folder"));
        File.WriteAllText(Path.Combine(work.Path, "a-file"), "x");
        File.WriteAllText(Path.Combine(work.Path, "logdir.json"), WithField(start, "logPath", "./a-folder"));
        File.WriteAllText(Path.Combine(work.Path, "devfull.json"), WithField(start, "logPath", "/dev/full"));
        File.WriteAllText(Path.Combine(work.Path, "reportfile.json"), WithField(start, "reportDirectory", "./a-file"));
        WriteDrillDefinitions(work.Path);
        Assert.Contains("\"rpoMinutes\": 1e308", File.ReadAllText(Path.Combine(work.Path, "rpo.json")), StringComparison.Ordinal);

        var run = await RunBoundedAsync(work.Path, Path.Combine(work.Path, "store"), arguments);

        Assert.True(run.ExitCode == 2, $"{name}: exit {run.ExitCode}: {run.All}");
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.True(line.Length < 600, $"{name}: a {line.Length}-character line");
        Assert.DoesNotContain("UnexpectedError", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lifecycle_template_from_dev_urandom_is_refused_after_a_bounded_read()
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<BackupOpsException>(() => LifecycleTemplate.Load("/dev/urandom"));
        Assert.Equal("LifecycleTemplateInvalid", error.ErrorId);
        Assert.Contains("larger than", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    private const string LifecycleSample = """
        { "version": 1, "buckets": [ { "bucket": "backups", "rules": [ { "prefix": "postgres/", "phases": [ { "storageClass": "STANDARD_IA", "afterDays": 30 } ], "expirationDays": 90 } ] } ] }
        """;

    private static string WithField(string json, string field, string value)
    {
        var at = json.IndexOf($"\"{field}\"", StringComparison.Ordinal);
        Assert.True(at >= 0, $"the starting point has no {field}");
        var end = json.IndexOf(',', at);
        return json[..at] + $"\"{field}\": \"{value}\"" + json[end..];
    }

    private static string Mutate(string text, int kind, int at, int length, string number)
    {
        at = Math.Clamp(at, 0, text.Length - 1);
        length = Math.Min(length, text.Length - at);
        return kind switch
        {
            0 => text.Remove(at, length),
            1 => text.Insert(at, number),
            2 => System.Text.RegularExpressions.Regex.Replace(text, "\\b\\d+\\b", number),
            3 => text[..at],
            _ => text.Insert(at, new string('[', length)),
        };
    }

    private static void AssertOneBoundedLine(BackupOpsException ex)
    {
        Assert.Equal(BackupOpsErrorKind.InvalidInput, ex.Kind);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\0', ex.Message);
        Assert.True(ex.Message.Length < 1000, $"a {ex.Message.Length}-character message: {ex.Message[..Math.Min(200, ex.Message.Length)]}");
    }

    private static async Task<BackupOpsCli.Run> RunBoundedAsync(string workingDirectory, string store, string[] arguments)
    {
        var info = BackupOpsCli.StartInfo(workingDirectory, new Dictionary<string, string?> { ["BACKUP_DIR"] = store }, arguments);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"backupops {string.Join(' ', arguments.Select(a => a.Length > 40 ? a[..40] + "..." : a))} hung for 60 s");
        }

        return new BackupOpsCli.Run(process.ExitCode, await stdout, await stderr);
    }
}
