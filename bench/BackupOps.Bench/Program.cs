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
var cli = Path.Combine(repo, "src", "BackupOps.Cli", "bin", "Release", "net8.0", "backupops.dll");
if (!File.Exists(cli))
{
    Console.Error.WriteLine($"{cli} is missing: run the benchmark with -c Release (dotnet run -c Release --project bench/BackupOps.Bench).");
    return 2;
}

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
        var scenarios = new (string Name, string Group, string Command, string? Before)[]
        {
            ("raw pg_dump -Fc -f file", "backup", $"'{bin}/pg_dump' -Fc -f {dir}/raw.dump {db}", $"rm -f {dir}/raw.dump"),
            ("seed: pg_dump | gzip -9 > tmp; upload", "backup", $"'{bin}/pg_dump' {db} | gzip -9 > {dir}/seed.sql.gz && {curlPut}", null),
            ("BackupOps → folder", "backup", $"{bo} pg backup --database-url '{postgres.ConnectionString(db)}' --store {dir}/store", $"rm -rf {dir}/store"),
            ("BackupOps → RGW", "backup", $"{bo} pg backup --database-url '{postgres.ConnectionString(db)}' --store s3://benchmark-bucket/bo{size}", EmptyPrefix($"bo{size}/")),
            ("BackupOps → RGW, age", "backup", $"{bo} pg backup --database-url '{postgres.ConnectionString(db)}' --store s3://benchmark-bucket/age{size} --recipient {recipient}", EmptyPrefix($"age{size}/")),
            ("raw pg_restore -j 1 (file)", "restore", $"'{bin}/pg_restore' --no-owner -d {db}_r1 -j 1 {dir}/raw.dump", $"'{bin}/dropdb' --if-exists {db}_r1 && '{bin}/createdb' {db}_r1"),
            ("raw pg_restore -j 2 (file)", "restore", $"'{bin}/pg_restore' --no-owner -d {db}_r2 -j 2 {dir}/raw.dump", $"'{bin}/dropdb' --if-exists {db}_r2 && '{bin}/createdb' {db}_r2"),
            ("seed: gunzip -c | psql", "restore", $"gunzip -c {dir}/seed.sql.gz | '{bin}/psql' -q -o /dev/null -d {db}_r3", $"'{bin}/dropdb' --if-exists {db}_r3 && '{bin}/createdb' {db}_r3"),
            ("BackupOps ← RGW, --jobs 1", "restore", $"{bo} pg restore --database-url '{postgres.ConnectionString(db)}' --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r4 --force", null),
            ("BackupOps ← RGW, --jobs 2", "restore", $"{bo} pg restore --database-url '{postgres.ConnectionString(db)}' --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r5 --force --jobs 2", null),
        };
        var results = new Dictionary<string, List<Measurement>>();
        var selected = scenarios.Where(sc => only.Count == 0 || only.Any(o => sc.Name.Contains(o, StringComparison.Ordinal))).ToList();

        // With --baseline-cli each BackupOps scenario has a twin run by another build (same dataset, servers and
        // session), in its own store prefix; the two alternate run by run, so drift of the machine hits both.
        var groups = selected.Select(sc => baselineCli is not null && sc.Name.StartsWith("BackupOps", StringComparison.Ordinal)
            ? new[] { sc, (Name: sc.Name + BaselineSuffix, sc.Group, Command: sc.Command.Replace(bo, $"dotnet '{baselineCli}'", StringComparison.Ordinal).Replace($"benchmark-bucket/bo{size}", $"benchmark-bucket/base-bo{size}", StringComparison.Ordinal).Replace($"benchmark-bucket/age{size}", $"benchmark-bucket/base-age{size}", StringComparison.Ordinal), Before: sc.Before?.Replace("@empty ", "@empty base-", StringComparison.Ordinal)) }
            : [sc]).ToList();
        foreach (var group in groups)
        {
            foreach (var sc in group)
            {
                results[sc.Name] = [];
            }

            for (var run = 0; run <= runs; run++)
            {
                foreach (var (name, _, command, before) in run % 2 == 0 ? group : Enumerable.Reverse(group))
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
                    var m = Measure.Run(command, env);
                    if (run > 0)
                    {
                        results[name].Add(m);
                    }
                }
            }
        }

        selected = [.. groups.SelectMany(g => g)];

        var rawDump = new FileInfo(Path.Combine(dir, "raw.dump"));
        var dumpMb = rawDump.Exists ? rawDump.Length / 1048576.0 : double.NaN;
        report.Append(CultureInfo.InvariantCulture, $"## {size} MB dataset (custom-format dump {dumpMb:0} MB)\n\n| Scenario | Wall s | CPU s | Peak RSS MB | vs raw | vs seed |\n| --- | --- | --- | --- | --- | --- |\n");
        double MedianWall(string name) => results.TryGetValue(name, out var m) ? Median(m.Select(r => r.WallSeconds)) : double.NaN;
        foreach (var (name, group, _, _) in selected)
        {
            var walls = results[name].Select(r => r.WallSeconds).ToList();
            var raw = group == "backup" ? MedianWall("raw pg_dump -Fc -f file") : MedianWall(name.Contains("jobs 1", StringComparison.Ordinal) ? "raw pg_restore -j 1 (file)" : "raw pg_restore -j 2 (file)");
            var seed = group == "backup" ? MedianWall("seed: pg_dump | gzip -9 > tmp; upload") : MedianWall("seed: gunzip -c | psql");
            var ours = name.StartsWith("BackupOps", StringComparison.Ordinal);
            var median = Median(walls);
            report.Append(CultureInfo.InvariantCulture, $"| {name.Replace("|", "\\|", StringComparison.Ordinal)} | {median:0.00} ({walls.Min():0.00}–{walls.Max():0.00}) | {Median(results[name].Select(r => r.CpuSeconds)):0.00} | {results[name].Max(r => r.PeakRssKb) / 1024.0:0} | {Ratio(ours, median, raw)} | {Ratio(ours, median, seed)} |\n");
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

        if (results.TryGetValue("BackupOps → RGW", out var rgwRuns))
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

static string Ratio(bool ours, double median, double baseline) => ours && !double.IsNaN(baseline) ? $"{median / baseline:0.00}×" : "";

static double Median(IEnumerable<double> values) => BenchUtil.Median(values);

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRepository() => BenchUtil.FindRepository();
