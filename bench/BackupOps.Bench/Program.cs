using System.Globalization;
using System.Text;
using BackupOps.Bench;
using BackupOps.Engine.Drill;

// BackupOps benchmark: see docs/benchmark.md.   dotnet run -c Release --project bench/BackupOps.Bench -- --size-mb 256 --runs 3
if (args is ["issue16", ..])
{
    return OperatingSystem.IsWindows() ? 2 : await Issue16Bench.RunAsync(args[1..]);
}

if (args is ["pitr", ..])
{
    return OperatingSystem.IsWindows() ? 2 : await PitrBench.RunAsync(args);
}

if (args is ["generate", ..])
{
    // Only the dataset, into an existing empty database: for experiments outside the full benchmark.
    var url = args.SkipWhile(a => a != "--database-url").Skip(1).FirstOrDefault();
    var megabytes = args.SkipWhile(a => a != "--size-mb").Skip(1).FirstOrDefault();
    if (url is null || megabytes is null)
    {
        Console.Error.WriteLine("usage: generate --database-url postgresql://user@host:port/db --size-mb N");
        return 2;
    }

    await DatasetGenerator.GenerateAsync(BackupOps.Engine.Connection.PgConnectionSettings.Parse(url), int.Parse(megabytes, CultureInfo.InvariantCulture), seed: 42);
    return 0;
}

const string BaselineSuffix = " [baseline]";
const string RawZlib = Scenarios.RawZlib;
var sizes = new List<int>();
var runs = 3;
var output = Path.Combine("bench", "results");
var only = new List<string>();
long memstoreBytes = 16L << 30;
string? baselineCli = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size-mb": sizes.Add(int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--output": output = args[++i]; break;
        case "--only": only.Add(args[++i]); break;
        case "--rgw-memory-gb": memstoreBytes = long.Parse(args[++i], CultureInfo.InvariantCulture) << 30; break;
        case "--baseline-cli": baselineCli = Path.GetFullPath(args[++i]); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}; use --size-mb N (repeatable) --runs N --output DIR --only TEXT (repeatable: scenarios whose name contains it) --rgw-memory-gb N --baseline-cli PATH"); return 2;
    }
}

if (sizes.Count == 0)
{
    sizes.Add(256);
}

var repo = FindRepository();
var cli = BenchUtil.PublishCli(repo);

if (baselineCli is not null && !File.Exists(baselineCli))
{
    Console.Error.WriteLine($"{baselineCli} is missing: build the baseline checkout with dotnet build -c Release first.");
    return 2;
}

var report = new StringBuilder();
await using (var session = await BenchSession.StartAsync(repo, memstoreBytes, null))
{
    var postgres = session.Postgres;
    var bin = BenchSession.Bin;
    var env = session.Env;
    var s3 = session.S3;
    var rgwDir = session.RgwDir;
    report.Append(CultureInfo.InvariantCulture, $"# BackupOps benchmark\n\nMachine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {runs} measured runs after one warm-up; median (min–max). CPU = user + system of the whole process tree; RSS = largest process in the tree (for BackupOps: the dotnet process).\n\n");
    var peakRss = new Dictionary<int, double>();
    foreach (var size in sizes)
    {
        var db = $"bench_{size}";
        Measure.Shell($"'{bin}/createdb' {db}", env);
        Console.Error.WriteLine($"generating {size} MB ...");
        await DatasetGenerator.GenerateAsync(postgres.Connection.WithDatabase(db), size, seed: 42);
        var context = session.Dataset(db, size, cli);
        var dir = context.Dir;
        var bo = cli;
        var scenarios = Scenarios.Dataset(context);

        if (size == sizes[0])
        {
            Measure.Shell(Scenarios.CreateTiny(bin), env);
            scenarios.AddRange(Scenarios.Tiny(bin, dir, bo, session.Url("bench_tiny")));
        }

        var results = new Dictionary<string, List<Measurement>>();
        var serverCpu = new Dictionary<string, List<double>>();
        var outputBytes = new Dictionary<string, long>();
        var selected = scenarios.Where(sc => only.Count == 0 || only.Any(o => sc.Name.Contains(o, StringComparison.Ordinal))).ToList();
        var loadBefore = BenchUtil.LoadAverage();

        // With --baseline-cli each BackupOps scenario has a twin run by another build (same dataset, servers and
        // session), in its own store prefix; the two alternate run by run, so drift of the machine hits both.
        var groups = selected.Select(sc => baselineCli is not null && sc.Name.StartsWith("BackupOps", StringComparison.Ordinal)
            ? new[] { sc, sc with { Name = sc.Name + BaselineSuffix, Command = sc.Command.Replace(bo, BenchUtil.CliInvocation(Path.GetDirectoryName(baselineCli)!), StringComparison.Ordinal).Replace($"benchmark-bucket/bo{size}", $"benchmark-bucket/base-bo{size}", StringComparison.Ordinal).Replace($"benchmark-bucket/age{size}", $"benchmark-bucket/base-age{size}", StringComparison.Ordinal), Before = sc.Before?.Replace("@empty ", "@empty base-", StringComparison.Ordinal) } }
            : [sc]).ToList();
        foreach (var group in groups)
        {
            foreach (var sc in group)
            {
                results[sc.Name] = [];
                serverCpu[sc.Name] = [];
            }

            for (var run = 0; run <= runs; run++)
            {
                foreach (var (name, _, command, before, _, _) in run % 2 == 0 ? group : Enumerable.Reverse(group))
                {
                    if (before is not null && before.StartsWith("@empty ", StringComparison.Ordinal))
                    {
                        await S3Cleanup.EmptyPrefixAsync(s3, "benchmark-bucket", before["@empty ".Length..]);
                    }
                    else if (before is not null)
                    {
                        Measure.Shell(before, env);
                    }

                    Console.Error.WriteLine($"{size} MB: {name} #{run}");
                    var rgwBefore = BenchUtil.RgwCpuSeconds(rgwDir);
                    var m = Measure.Run(command, env);
                    var rgwCpu = BenchUtil.RgwCpuSeconds(rgwDir) - rgwBefore;
                    if (run > 0)
                    {
                        results[name].Add(m);
                        serverCpu[name].Add(rgwCpu);
                    }

                    if (group[0].SizeOf is { } sizePath && name == group[0].Name)
                    {
                        outputBytes[name] = BenchUtil.SizeOf(sizePath);
                    }
                }
            }
        }

        selected = [.. groups.SelectMany(g => g)];

        var loadAfter = BenchUtil.LoadAverage();
        var rawDump = new FileInfo(Path.Combine(dir, "raw.dump"));
        var dumpMb = rawDump.Exists ? rawDump.Length / 1048576.0 : double.NaN;
        report.Append(CultureInfo.InvariantCulture, $"## {size} MB dataset (pg_dump -Fc -Z1 dump {dumpMb:0} MB)\n\nLoad average (1/5/15 min) before: {loadBefore}; after: {loadAfter}.\n\n");
        report.Append("\"vs like\" divides by the raw pipeline doing the same work with the same codec and level (named in the next column); \"vs -Z1\" divides a backup by raw `pg_dump -Fc -Z1`, the same level with pg_dump's own zlib, which a zstd backup replaces (issue #16's target 5: ≥ 2× faster and no larger, so the output size is shown). CPU = user + system of the process tree (pg_dump included). \"RGW CPU\" is what the Ceph daemons (radosgw, OSD, monitor; on the same two cores) used during the run, read from /proc: the S3 server's share of the machine, outside the measured tree.\n\n");
        report.Append("| Scenario | Wall s | CPU s | RGW CPU s | Peak RSS MB | Output MB | vs like (wall) | vs like (CPU) | like-with-like baseline | vs -Z1 (wall) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        double MedianOf(string name, Func<Measurement, double> pick) => results.TryGetValue(name, out var m) && m.Count > 0 ? Median(m.Select(pick)) : double.NaN;
        foreach (var sc in selected)
        {
            var name = sc.Name;
            var walls = results[name].Select(r => r.WallSeconds).ToList();
            var median = Median(walls);
            var cpu = MedianOf(name, r => r.CpuSeconds);
            var baseName = sc.Baseline?.Replace(BaselineSuffix, string.Empty, StringComparison.Ordinal);
            var likeWall = baseName is null ? double.NaN : MedianOf(baseName, r => r.WallSeconds);
            var likeCpu = baseName is null ? double.NaN : MedianOf(baseName, r => r.CpuSeconds);
            var z1 = sc.Group == "backup" && name.StartsWith("BackupOps", StringComparison.Ordinal) ? MedianOf(RawZlib, r => r.WallSeconds) : double.NaN;
            var bytes = outputBytes.TryGetValue(name, out var b) ? $"{b / 1048576.0:0}" : "";
            report.Append(CultureInfo.InvariantCulture, $"| {Cell(name)} | {median:0.00} ({walls.Min():0.00}–{walls.Max():0.00}) | {cpu:0.00} | {(name.Contains("RGW", StringComparison.Ordinal) ? Median(serverCpu[name]).ToString("0.00", CultureInfo.InvariantCulture) : "")} | {results[name].Max(r => r.PeakRssKb) / 1024.0:0} | {bytes} | {Ratio(median, likeWall)} | {Ratio(cpu, likeCpu)} | {(baseName is null ? "" : Cell(baseName))} | {Ratio(median, z1)} |\n");
        }

        report.Append('\n');
        if (baselineCli is not null)
        {
            report.Append(CultureInfo.InvariantCulture, $"### {size} MB: this build against the baseline ({baselineCli})\n\n| Scenario | Baseline wall s | This build wall s | This / baseline | Baseline CPU s | This build CPU s | Baseline RSS MB | This build RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            foreach (var name in selected.Select(sc => sc.Name).Where(n => results.ContainsKey(n + BaselineSuffix)))
            {
                var (ours, theirs) = (results[name], results[name + BaselineSuffix]);
                var (oursWall, theirsWall) = (Median(ours.Select(r => r.WallSeconds)), Median(theirs.Select(r => r.WallSeconds)));
                report.Append(CultureInfo.InvariantCulture, $"| {name} | {theirsWall:0.00} | {oursWall:0.00} | {oursWall / theirsWall:0.00}× | {Median(theirs.Select(r => r.CpuSeconds)):0.00} | {Median(ours.Select(r => r.CpuSeconds)):0.00} | {theirs.Max(r => r.PeakRssKb) / 1024.0:0} | {ours.Max(r => r.PeakRssKb) / 1024.0:0} |\n");
            }

            report.Append('\n');
        }

        if (size == sizes[0] && (only.Count == 0 || only.Any(o => "catalog".Contains(o, StringComparison.Ordinal))))
        {
            CatalogScaling.AppendTable(report, await CatalogScaling.RunAsync(s3, BenchSession.Bucket, bo, session.Url("bench_tiny"), env, [10, 100, 1000], runs));
        }

        if (results.TryGetValue("BackupOps → RGW (zstd 1)", out var rgwRuns))
        {
            peakRss[size] = rgwRuns.Max(r => r.PeakRssKb) / 1024.0;
        }
    }

    if (peakRss.Count > 0)
    {
        var smallest = peakRss.OrderBy(p => p.Key).First();
        report.Append("## Memory: BackupOps → RGW peak RSS by dataset size\n\n| Dataset | Peak RSS MB | vs smallest |\n| --- | --- | --- |\n");
        foreach (var (size, rss) in peakRss.OrderBy(p => p.Key))
        {
            report.Append(CultureInfo.InvariantCulture, $"| {size} MB | {rss:0} | {rss / smallest.Value:0.00}× |\n");
        }

        report.Append('\n');
    }

    Directory.CreateDirectory(output);
    var file = Path.Combine(output, $"benchmark-{DateTime.UtcNow:yyyyMMdd-HHmm}-{string.Join('-', sizes)}MB.md");
    await File.WriteAllTextAsync(file, report.ToString());
    Console.Out.Write(report);
    Console.Error.WriteLine($"written {file}");
    return 0;
}

static string Ratio(double value, double baseline) => BenchUtil.Ratio(value, baseline);

static string Cell(string text) => BenchUtil.Cell(text);

static double Median(IEnumerable<double> values) => BenchUtil.Median(values);

static string FindRepository() => BenchUtil.FindRepository();

