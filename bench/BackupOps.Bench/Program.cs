using System.Globalization;
using System.Text;
using BackupOps.Bench;
using BackupOps.Engine.Drill;

// BackupOps benchmark: see docs/benchmark.md.   dotnet run -c Release --project bench/BackupOps.Bench -- --size-mb 256 --runs 3
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
const string RawZlib = "raw pg_dump -Fc -Z1 -f file";
const string RawZstd = "raw pg_dump -Fc -Z0 | zstd -1 -T2 > file";
const string StockStream = "stock: zstd -dc file | pg_restore";
const string StockParallel = "stock: zstd -d to a file; pg_restore -j 2";
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

var work = Directory.CreateTempSubdirectory("backupops-bench-").FullName;
if (!OperatingSystem.IsWindows())
{
    // The disposable PostgreSQL runs as the postgres user, which must reach its folder.
    File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
}
var rgwDir = Path.Combine(work, "rgw", "cluster");
var rgwPort = FreePort();
var rgwEnv = new Dictionary<string, string> { ["RGW_DIR"] = rgwDir, ["RGW_PORT"] = rgwPort.ToString(CultureInfo.InvariantCulture), ["RGW_MON_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture), ["RGW_BUCKETS"] = "benchmark-bucket", ["RGW_MEMSTORE_BYTES"] = memstoreBytes.ToString(CultureInfo.InvariantCulture) };
Console.Error.WriteLine("starting Ceph RGW ...");
Measure.Shell($"bash '{Path.Combine(repo, "tests", "servers", "rgw.sh")}' start > '{work}/rgw.env'", rgwEnv);
var report = new StringBuilder();
try
{
    await using var postgres = await DisposablePostgres.StartAsync(15, work, CancellationToken.None);
    var bin = "/usr/lib/postgresql/15/bin";
    var ageDir = Path.Combine(work, "age");
    Directory.CreateDirectory(ageDir);
    Measure.Shell($"age-keygen -o '{ageDir}/id.txt' 2>/dev/null && age-keygen -y '{ageDir}/id.txt' > '{ageDir}/recipient.txt'", new Dictionary<string, string>());
    var recipient = File.ReadAllText(Path.Combine(ageDir, "recipient.txt")).Trim();
    var env = new Dictionary<string, string>
    {
        ["PGHOST"] = postgres.SocketDirectory, ["PGPORT"] = postgres.Port.ToString(CultureInfo.InvariantCulture), ["PGUSER"] = "postgres",
        ["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{rgwPort}", ["AWS_ACCESS_KEY_ID"] = "backupopstestkey", ["AWS_SECRET_ACCESS_KEY"] = "backupopstestsecret", ["AWS_REGION"] = "us-east-1",
        ["BACKUPOPS_S3_PROVIDER"] = "generic",
    };
    report.Append(CultureInfo.InvariantCulture, $"# BackupOps benchmark\n\nMachine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {runs} measured runs after one warm-up; median (min–max). CPU = user + system of the whole process tree; RSS = largest process in the tree (for BackupOps: the dotnet process).\n\n");
    var peakRss = new Dictionary<int, double>();
    foreach (var size in sizes)
    {
        var db = $"bench_{size}";
        Measure.Shell($"'{bin}/createdb' {db}", env);
        Console.Error.WriteLine($"generating {size} MB ...");
        await DatasetGenerator.GenerateAsync(postgres.Connection.WithDatabase(db), size, seed: 42);
        var dir = Path.Combine(work, $"run-{size}");
        Directory.CreateDirectory(dir);
        var bo = $"dotnet '{cli}'";
        var curlPut = $"curl -sf --aws-sigv4 'aws:amz:us-east-1:s3' --user backupopstestkey:backupopstestsecret -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T {dir}/seed.sql.gz http://127.0.0.1:{rgwPort}/benchmark-bucket/seed/{db}.sql.gz";
        // RGW keeps objects in memory: each BackupOps upload run first removes the previous run's objects, and
        // the restore scenarios use the one left by the last measured run.
        var s3 = new BackupOps.Engine.Stores.S3StoreOptions { Endpoint = env["AWS_ENDPOINT_URL"], AccessKey = env["AWS_ACCESS_KEY_ID"], SecretKey = env["AWS_SECRET_ACCESS_KEY"], Region = "us-east-1", Provider = BackupOps.Engine.Stores.S3Provider.Generic };
        string EmptyPrefix(string prefix) => $"@empty {prefix}";
        var url = $"postgresql://postgres@127.0.0.1:{postgres.Port}/{db}";
        string Recreate(string target) => $"'{bin}/dropdb' --if-exists {target} && '{bin}/createdb' {target}";
        var scenarios = new List<Scenario>
        {
            // Backups. Every BackupOps row names the raw pipeline that does the same work at the same level.
            new("raw pg_dump -Fc -Z1 -f file", "backup", $"'{bin}/pg_dump' -Fc -Z1 -f {dir}/raw.dump {db}", $"rm -f {dir}/raw.dump", null, $"{dir}/raw.dump"),
            new("raw pg_dump -Fc -Z0 | zstd -1 -T2 > file", "backup", $"'{bin}/pg_dump' -Fc -Z0 {db} | zstd -q -1 -T2 -o {dir}/raw.dump.zst", $"rm -f {dir}/raw.dump.zst", null, $"{dir}/raw.dump.zst"),
            new("seed: pg_dump | gzip -9 > tmp; upload", "backup", $"'{bin}/pg_dump' {db} | gzip -9 > {dir}/seed.sql.gz && {curlPut}", null, null, null),
            new("BackupOps → folder (zstd 1, default)", "backup", $"{bo} pg backup --database-url {url} --store {dir}/store", $"rm -rf {dir}/store", RawZstd, $"{dir}/store"),
            new("BackupOps → folder, --codec pg_dump --compress 1", "backup", $"{bo} pg backup --database-url {url} --store {dir}/store-zlib --codec pg_dump", $"rm -rf {dir}/store-zlib", RawZlib, $"{dir}/store-zlib"),
            new("BackupOps → RGW (zstd 1)", "backup", $"{bo} pg backup --database-url {url} --store s3://benchmark-bucket/bo{size}", EmptyPrefix($"bo{size}/"), RawZstd, null),
            new("BackupOps → RGW, age (zstd 1)", "backup", $"{bo} pg backup --database-url {url} --store s3://benchmark-bucket/age{size} --recipient {recipient}", EmptyPrefix($"age{size}/"), RawZstd, null),

            // Restores, each against the stock tools restoring the same kind of object.
            new("raw pg_restore -j 2 (-Z1 file)", "restore", $"'{bin}/pg_restore' --no-owner -d {db}_r2 -j 2 {dir}/raw.dump", Recreate($"{db}_r2"), null, null),
            new("stock: zstd -dc file | pg_restore", "restore", $"zstd -qdc {dir}/raw.dump.zst | '{bin}/pg_restore' --no-owner -d {db}_r6", Recreate($"{db}_r6"), null, null),
            new("stock: zstd -d to a file; pg_restore -j 2", "restore", $"zstd -qdf {dir}/raw.dump.zst -o {dir}/plain.dump && '{bin}/pg_restore' --no-owner -d {db}_r7 -j 2 {dir}/plain.dump", $"rm -f {dir}/plain.dump && {Recreate($"{db}_r7")}", null, null),
            new("seed: gunzip -c | psql", "restore", $"gunzip -c {dir}/seed.sql.gz | '{bin}/psql' -q -o /dev/null -d {db}_r3", Recreate($"{db}_r3"), null, null),
            new("BackupOps ← folder, --jobs 1", "restore", $"{bo} pg restore --database-url {url} --store {dir}/store --latest --target-database {db}_r8 --force", null, StockStream, null),
            new("BackupOps ← folder, --jobs 2", "restore", $"{bo} pg restore --database-url {url} --store {dir}/store --latest --target-database {db}_r9 --force --jobs 2", null, StockParallel, null),
            new("BackupOps ← RGW, --jobs 1", "restore", $"{bo} pg restore --database-url {url} --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r4 --force", null, StockStream, null),
            new("BackupOps ← RGW, --jobs 2", "restore", $"{bo} pg restore --database-url {url} --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r5 --force --jobs 2", null, StockParallel, null),
        };

        if (size == sizes[0])
        {
            // Fixed cost per run: a one-table database, where nearly everything is start-up.
            Measure.Shell($"'{bin}/createdb' bench_tiny && '{bin}/psql' -q -d bench_tiny -c 'CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100) g'", env);
            var tinyUrl = $"postgresql://postgres@127.0.0.1:{postgres.Port}/bench_tiny";
            scenarios.AddRange(
            [
                new("tiny: raw pg_dump -Fc -Z0 | zstd -1", "fixed", $"'{bin}/pg_dump' -Fc -Z0 bench_tiny | zstd -q -1 -o {dir}/tiny.dump.zst", $"rm -f {dir}/tiny.dump.zst", null, null),
                new("tiny: backupops --help", "fixed", $"{bo} --help > /dev/null", null, null, null),
                new("tiny: BackupOps → folder", "fixed", $"{bo} pg backup --database-url {tinyUrl} --store {dir}/tiny-store", $"rm -rf {dir}/tiny-store", "tiny: raw pg_dump -Fc -Z0 | zstd -1", null),
                new("tiny: BackupOps → RGW", "fixed", $"{bo} pg backup --database-url {tinyUrl} --store s3://benchmark-bucket/tiny", EmptyPrefix("tiny/"), "tiny: raw pg_dump -Fc -Z0 | zstd -1", null),
            ]);
        }

        var results = new Dictionary<string, List<Measurement>>();
        var serverCpu = new Dictionary<string, List<double>>();
        var outputBytes = new Dictionary<string, long>();
        var selected = scenarios.Where(sc => only.Count == 0 || only.Any(o => sc.Name.Contains(o, StringComparison.Ordinal))).ToList();
        var loadBefore = LoadAverage();

        // With --baseline-cli each BackupOps scenario has a twin run by another build (same dataset, servers and
        // session), in its own store prefix; the two alternate run by run, so drift of the machine hits both.
        var groups = selected.Select(sc => baselineCli is not null && sc.Name.StartsWith("BackupOps", StringComparison.Ordinal)
            ? new[] { sc, sc with { Name = sc.Name + BaselineSuffix, Command = sc.Command.Replace(bo, $"dotnet '{baselineCli}'", StringComparison.Ordinal).Replace($"benchmark-bucket/bo{size}", $"benchmark-bucket/base-bo{size}", StringComparison.Ordinal).Replace($"benchmark-bucket/age{size}", $"benchmark-bucket/base-age{size}", StringComparison.Ordinal), Before = sc.Before?.Replace("@empty ", "@empty base-", StringComparison.Ordinal) } }
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
                    var rgwBefore = RgwCpuSeconds(rgwDir);
                    var m = Measure.Run(command, env);
                    var rgwCpu = RgwCpuSeconds(rgwDir) - rgwBefore;
                    if (run > 0)
                    {
                        results[name].Add(m);
                        serverCpu[name].Add(rgwCpu);
                    }

                    if (group[0].SizeOf is { } sizePath && name == group[0].Name)
                    {
                        outputBytes[name] = SizeOf(sizePath);
                    }
                }
            }
        }

        selected = [.. groups.SelectMany(g => g)];

        var loadAfter = LoadAverage();
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
            await CatalogScaling.RunAsync(report, s3, "benchmark-bucket", $"{bo}", $"s3://benchmark-bucket", url, dir, env, runs);
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
finally
{
    Measure.Shell($"bash '{Path.Combine(repo, "tests", "servers", "rgw.sh")}' stop", rgwEnv);
    Directory.Delete(work, recursive: true);
}

static string Ratio(double value, double baseline) => double.IsNaN(baseline) || double.IsNaN(value) ? "" : $"{value / baseline:0.00}×";

static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

// CPU seconds the Ceph daemons of the benchmark's RGW have used so far (utime + stime of the pids in its run folder).
static double RgwCpuSeconds(string rgwDir)
{
    var run = Path.Combine(rgwDir, "run");
    var total = 0L;
    foreach (var pidFile in Directory.Exists(run) ? Directory.GetFiles(run, "*.pid") : [])
    {
        var stat = $"/proc/{File.ReadAllText(pidFile).Trim()}/stat";
        if (File.Exists(stat))
        {
            var fields = File.ReadAllText(stat)[(File.ReadAllText(stat).LastIndexOf(')') + 2)..].Split(' ');
            total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
    }

    return total / 100.0; // USER_HZ
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static long SizeOf(string path) => Directory.Exists(path)
    ? new DirectoryInfo(path).EnumerateFiles("*.dump*", SearchOption.AllDirectories).Sum(f => f.Length)
    : File.Exists(path) ? new FileInfo(path).Length : 0;

static double Median(IEnumerable<double> values) => BenchUtil.Median(values);

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRepository() => BenchUtil.FindRepository();

/// <summary>One measured command: its group, what runs before each run (not measured), the like-with-like baseline and what to size afterwards.</summary>
internal sealed record Scenario(string Name, string Group, string Command, string? Before, string? Baseline, string? SizeOf);
