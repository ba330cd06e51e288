using System.Diagnostics;
using System.Globalization;
using BackupOps.Engine.Drill;

namespace BackupOps.Bench;

/// <summary>
/// The <c>issue16</c> preset: everything issue #16's "Must show" asks for, in one session on one PostgreSQL and one
/// RGW, so every ratio is like with like and same-run: per dataset the pgBackRest rows and the logical backup and
/// restore rows, then the fixed-cost rows, catalog scaling and the memory-only datasets; the load average and duration
/// of each section; the targets table computed from the measurements; optionally the marked region of
/// docs/benchmark.md rewritten (<see cref="Issue16Report"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class Issue16Bench
{
    public const string PgbrLz4 = "pgBackRest full backup, lz4 1, process-max 2";
    public const string PgbrZst = "pgBackRest full backup, zst 1, process-max 2";
    public const string PgbrLz4Restore = "pgBackRest restore (lz4) → started → queryable";
    public const string PgbrZstRestore = "pgBackRest restore (zst) → started → queryable";
    public const string WalPush = "tiny: `pg wal push` of a 16 MiB segment, sync → folder";
    public const string PgbrPush = "tiny: pgBackRest `archive-push` of the same segment, sync";

    private static readonly string[] Logical = [Scenarios.RawZlib, Scenarios.RawZstd, Scenarios.FolderZstd, Scenarios.FolderZlib, Scenarios.Rgw, Scenarios.RawRestore, Scenarios.StockStream, Scenarios.StockParallel, Scenarios.FolderRestore, Scenarios.RgwRestore];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Issue16Options.Parse(args);
        if (options is null)
        {
            return 2;
        }

        Console.Error.WriteLine(options.EstimateText());
        if (options.EstimateOnly)
        {
            return 0;
        }

        if (options.UpdateDoc is not null && Issue16Report.MarkerProblem(options.UpdateDoc) is { } problem)
        {
            Console.Error.WriteLine(problem);
            return 2;
        }

        var repo = BenchUtil.FindRepository();
        var results = new Issue16Results(options);
        var estimate = options.Estimate();
        var started = DateTime.UtcNow;
        string bo = string.Empty;
        BenchSession? session = null;
        PgBackRest? pgbr = null;
        async Task<T?> Section<T>(string name, Func<Task<T>> body)
        {
            var load = BenchUtil.LoadAverage();
            var clock = Stopwatch.StartNew();
            string? error = null;
            T? value = default;
            try
            {
                value = await body();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or Npgsql.NpgsqlException or Amazon.Runtime.AmazonServiceException)
            {
                // One broken section must not cost the rest of an exclusive window: say what failed and go on.
                error = e.Message.Length > 600 ? e.Message[..300] + " … " + e.Message[^300..] : e.Message;
                Console.Error.WriteLine($"SECTION FAILED: {name}: {error}");
            }

            results.Sections.Add(new SectionLog(name, load, BenchUtil.LoadAverage(), clock.Elapsed.TotalSeconds, estimate.GetValueOrDefault(name, double.NaN), error));
            Console.Error.WriteLine($"section {name}: {clock.Elapsed.TotalSeconds:0} s (estimated {Issue16Options.Format(estimate.GetValueOrDefault(name, double.NaN))})");
            return value;
        }

        try
        {
            var ready = await Section("publish and start servers", async () =>
            {
                bo = BenchUtil.PublishCli(repo);
                // Archiving on (to nothing until the pgBackRest rows run) so pgBackRest can back up the same server.
                session = await BenchSession.StartAsync(repo, options.RgwMemoryBytes, "-c archive_mode=on");
                Measure.Shell(PgBackRest.SetArchiveCommand(session.Postgres, "/bin/true"), session.Env);
                pgbr = await PgBackRest.CreateAsync(session.Work, session.Postgres, "zst", "process-max=2\nrepo1-retention-full=1\n");
                Measure.Shell(pgbr.StanzaCreate(), session.Env);
                Measure.Shell(Scenarios.CreateTiny(BenchSession.Bin), session.Env);
                results.PgBackRestVersion = PgBackRest.Version();
                results.Cli = bo;
                return true;
            });
            if (!ready || session is null || pgbr is null)
            {
                return 1;
            }

            foreach (var size in options.Sizes)
            {
                var db = $"bench_{size}";
                var dataset = await Section($"{size} MB: generate", () => PrepareAsync(session, db, size));
                if (dataset is null)
                {
                    continue;
                }

                var context = session.Dataset(db, size, bo);
                var physical = await Section($"{size} MB: pgBackRest", () => PgBackRestRowsAsync(session, pgbr, db, options.RunsFor(size), options.Warmup, $"{size} MB")) ?? [];
                var logical = Scenarios.Dataset(context).Where(sc => Logical.Contains(sc.Name)).Select(sc => sc.Name == Scenarios.Rgw ? sc with { SizeOf = $"@s3 bo{size}/" } : sc).ToList();
                var rows = await Section($"{size} MB: logical", () => ScenarioRunner.RunAsync(session, logical, options.RunsFor(size), options.Warmup, $"{size} MB")) ?? [];
                results.Datasets[size] = dataset with { PgBackRest = physical, Logical = rows };
                await S3Cleanup.EmptyPrefixAsync(session.S3, BenchSession.Bucket, $"bo{size}/");
                if (size == options.Sizes[0])
                {
                    results.Fixed = await Section("fixed cost", () => FixedRowsAsync(session, pgbr, bo, options)) ?? [];
                    results.Catalog = await Section("catalog", () => CatalogScaling.RunAsync(session.S3, BenchSession.Bucket, bo, session.Url("bench_tiny"), session.Env, options.Catalog, options.CatalogRuns)) ?? [];
                    results.LimitSupported = Measure.Capture($"{bo} pg list --help", session.Env).Contains("--limit", StringComparison.Ordinal);
                }
            }

            foreach (var size in options.MemorySizes)
            {
                var name = $"{size} MB: memory only";
                var row = await Section(name, async () =>
                {
                    var db = $"bench_{size}";
                    await PrepareAsync(session, db, size);
                    var rgw = Scenarios.Dataset(session.Dataset(db, size, bo)).Single(sc => sc.Name == Scenarios.Rgw) with { SizeOf = $"@s3 bo{size}/" };
                    var measured = await ScenarioRunner.RunAsync(session, [rgw], 1, warmup: false, name);
                    await S3Cleanup.EmptyPrefixAsync(session.S3, BenchSession.Bucket, $"bo{size}/");
                    return measured[0];
                });
                if (row is not null)
                {
                    results.Memory[size] = row;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }

        results.Seconds = (DateTime.UtcNow - started).TotalSeconds;
        Directory.CreateDirectory(options.Output);
        var file = Path.GetFullPath(Path.Combine(options.Output, $"issue16-{started:yyyyMMdd-HHmm}-{string.Join('-', options.Sizes.Concat(options.MemorySizes))}MB.md"));
        var body = Issue16Report.Body(results, started);
        await File.WriteAllTextAsync(file, $"# BackupOps benchmark: issue #16 preset, {started:yyyy-MM-dd HH:mm} UTC\n\n{body}");
        Console.Out.Write(body);
        Console.Error.WriteLine($"written {file}");
        if (options.UpdateDoc is not null)
        {
            await Issue16Report.UpdateDocAsync(options.UpdateDoc, file, body, started, options.CommandLine);
            Console.Error.WriteLine($"updated the issue16 region of {options.UpdateDoc}");
        }

        return results.Sections.Any(s => s.Error is not null) ? 1 : 0;
    }

    /// <summary>Drops the previous datasets (the cluster pgBackRest copies holds one at a time), creates and fills this one.</summary>
    private static async Task<DatasetResult> PrepareAsync(BenchSession session, string db, int size)
    {
        var psql = $"'{BenchSession.Bin}/psql' -X -At -d postgres";
        foreach (var old in Measure.Capture($"{psql} -c \"SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%' AND datname <> 'bench_tiny'\"", session.Env).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Measure.Shell($"'{BenchSession.Bin}/dropdb' {old.Trim()}", session.Env);
        }

        foreach (var folder in Directory.GetDirectories(session.Work, "run-*"))
        {
            Directory.Delete(folder, recursive: true);
        }

        Measure.Shell($"'{BenchSession.Bin}/createdb' {db}", session.Env);
        Console.Error.WriteLine($"generating {size} MB ...");
        await DatasetGenerator.GenerateAsync(session.Postgres.Connection.WithDatabase(db), size, seed: 42);
        Measure.Shell($"{psql} -c CHECKPOINT", session.Env);
        var dbSize = Measure.Capture($"{psql} -c \"SELECT pg_size_pretty(pg_database_size('{db}')) || ' (cluster ' || pg_size_pretty(sum(pg_database_size(datname))) || ')' FROM pg_database\"", session.Env).Trim();
        return new DatasetResult(size, dbSize, [], []);
    }

    /// <summary>pgBackRest backs up the same server (archiving into its repository while these rows run) and restores to a second, queryable one.</summary>
    private static async Task<List<RowResult>> PgBackRestRowsAsync(BenchSession session, PgBackRest pgbr, string db, int runs, bool warmup, string label)
    {
        var target = Path.Combine(session.Work, "pgbr-target");
        var port = BenchUtil.FreePort();
        var emptyTarget = $"rm -rf {target} && mkdir -m 700 {target}" + (Environment.UserName == "root" ? $" && chown postgres:postgres {target}" : string.Empty);
        var restore = pgbr.RestoreToQueryable(target, port, db, "SELECT count(*) > 0 FROM events");
        var backupFolder = Path.Combine(pgbr.Repository, "backup");
        Scenario[] rows =
        [
            new(PgbrLz4, "backup", pgbr.FullBackup("--compress-type=lz4"), null, null, backupFolder),
            new(PgbrLz4Restore, "restore", restore, emptyTarget, null, null),
            new(PgbrZst, "backup", pgbr.FullBackup("--compress-type=zst"), null, null, backupFolder),
            new(PgbrZstRestore, "restore", restore, emptyTarget, null, null),
        ];
        Measure.Shell(PgBackRest.SetArchiveCommand(session.Postgres, pgbr.ArchivePush), session.Env);
        try
        {
            return await ScenarioRunner.RunAsync(session, rows, runs, warmup, label);
        }
        finally
        {
            Measure.Shell(PgBackRest.SetArchiveCommand(session.Postgres, "/bin/true") + $" && rm -rf {target}", session.Env);
        }
    }

    /// <summary>The one-table database's rows, plus one real 16 MiB WAL segment pushed by BackupOps and by pgBackRest.</summary>
    private static async Task<List<RowResult>> FixedRowsAsync(BenchSession session, PgBackRest pgbr, string bo, Issue16Options options)
    {
        var dir = Path.Combine(session.Work, "fixed");
        Directory.CreateDirectory(dir);
        var psql = $"'{BenchSession.Bin}/psql' -X -q -At -d bench_tiny";
        // 8 MiB of random rows, so the segment compresses like real WAL rather than like zeros.
        Measure.Shell($"{psql} -c 'CREATE TABLE filler (b bytea)' && {psql} -c \"INSERT INTO filler SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, 524288)\"", session.Env);
        var name = Measure.Capture($"{psql} -c 'SELECT pg_walfile_name(pg_current_wal_lsn())'", session.Env).Trim();
        Measure.Shell($"{psql} -c 'SELECT pg_switch_wal()' > /dev/null && cp {Path.Combine(session.Postgres.Root, "data", "pg_wal", name)} {dir}/{name} && chmod 644 {dir}/{name} && {psql} -c 'DROP TABLE filler'", session.Env);
        var segment = Path.Combine(dir, name);
        var archived = Path.Combine(pgbr.Repository, "archive", "bench", "15-1", name[..16], name);
        var rows = Scenarios.Tiny(BenchSession.Bin, dir, bo, session.Url("bench_tiny"));
        rows.Add(new(PgbrPush, "fixed", BenchUtil.AsPostgres($"{pgbr.Command} archive-push {segment}"), $"rm -f {archived}-*", null, null));
        rows.Add(new(WalPush, "fixed", $"{bo} pg wal push {segment} --cluster bench --store {dir}/wal-store", $"rm -rf {dir}/wal-store", PgbrPush, null));
        return await ScenarioRunner.RunAsync(session, rows, options.FixedRuns, options.Warmup, "fixed cost");
    }
}

/// <summary>One section of the run: the load average before and after it, how long it took against the estimate, and why it failed if it did.</summary>
internal sealed record SectionLog(string Name, string LoadBefore, string LoadAfter, double Seconds, double EstimatedSeconds, string? Error);

/// <summary>One dataset's rows: the database's size, pgBackRest's rows and the logical rows.</summary>
internal sealed record DatasetResult(int Size, string DatabaseSize, List<RowResult> PgBackRest, List<RowResult> Logical);

/// <summary>Everything the issue16 preset measured, for <see cref="Issue16Report"/>.</summary>
internal sealed class Issue16Results(Issue16Options options)
{
    public Issue16Options Options { get; } = options;

    public List<SectionLog> Sections { get; } = [];

    public SortedDictionary<int, DatasetResult> Datasets { get; } = [];

    public List<RowResult> Fixed { get; set; } = [];

    public List<CatalogPoint> Catalog { get; set; } = [];

    public bool LimitSupported { get; set; }

    public SortedDictionary<int, RowResult> Memory { get; } = [];

    public string PgBackRestVersion { get; set; } = string.Empty;

    public string Cli { get; set; } = string.Empty;

    public double Seconds { get; set; }
}
