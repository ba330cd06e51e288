using System.Globalization;
using System.Text;
using BackupOps.Engine.Drill;

namespace BackupOps.Bench;

/// <summary>
/// The point-in-time rows of the benchmark (docs/benchmark.md, `pitr` mode): per-segment cost of `wal push` (sync,
/// async) beside pgBackRest's `archive-push` on the same real segments; archive lag under a pgbench write load; base
/// backup and time from nothing to a queryable server by physical restore, logical `--jobs 2` and `pgbackrest restore`.
/// pgBackRest runs with a posix repository (its S3 client needs TLS, which the test RGW does not serve) and zstd level
/// 1, the codec and level BackupOps uses, so the rows compare like with like.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class PitrBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = 1024;
        var segments = 20;
        var runs = 3;
        var output = Path.Combine("bench", "results");
        var pgbenchSeconds = 30;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--size-mb": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--segments": segments = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--pgbench-seconds": pgbenchSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--output": output = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}; pitr takes --size-mb N --segments N --runs N --pgbench-seconds N --output DIR"); return 2;
            }
        }

        var repo = BenchUtil.FindRepository();
        var cli = BenchUtil.PublishCli(repo);
        var bo = cli;
        var root = Environment.UserName == "root";
        var work = Directory.CreateTempSubdirectory("backupops-pitr-bench-").FullName;
        File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
        static string AsPostgres(string command) => BenchUtil.AsPostgres(command);
        var env = new Dictionary<string, string>();
        void Sh(string command) => Measure.Shell(command, env);
        var report = new StringBuilder();
        try
        {
            Sh(root ? $"chown postgres:postgres {work}" : "true");
            // archive_command is set with ALTER SYSTEM per scenario: a -c on the command line would win over it.
            await using var pg = await DisposablePostgres.StartAsync(15, work, "-c wal_level=replica -c archive_mode=on -c max_wal_senders=4 -c max_wal_size=4GB", CancellationToken.None);
            var data = Path.Combine(pg.Root, "data");
            var psql = $"/usr/lib/postgresql/15/bin/psql -X -q -At -h {pg.SocketDirectory} -p {pg.Port} -U postgres";
            string Psql(string sql, string db = "postgres") => $"{psql} -d {db} -c \"{sql}\"";
            string ArchiveWith(string command) => PgBackRest.SetArchiveCommand(pg, command);
            void SetArchive(string command) => Sh(ArchiveWith(command));
            var pgBackRest = await PgBackRest.CreateAsync(work, pg);
            var pgbr = pgBackRest.Folder;
            var br = pgBackRest.Command;
            var brPush = $"{br} --pg1-path={Path.Combine(work, "pg1")}";
            report.Append(CultureInfo.InvariantCulture, $"# BackupOps point-in-time benchmark\n\nMachine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; PostgreSQL 15, {PgBackRest.Version()}; {runs} measured runs after one warm-up, median (min–max). zstd level 1 for both tools; pgBackRest with a posix repository.\n\n");

            // A. Real segments (8 MiB of random rows each, the rest of the segment as PostgreSQL leaves it).
            var segmentDir = Path.Combine(work, "segments");
            Directory.CreateDirectory(segmentDir);
            Sh(root ? $"chown postgres:postgres {segmentDir}" : "true");
            SetArchive($"cp %p {segmentDir}/%f");
            Sh(Psql("CREATE TABLE IF NOT EXISTS filler (b bytea)"));
            for (var i = 0; i < segments; i++)
            {
                Sh(Psql("INSERT INTO filler SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, 524288)") + " && " + Psql("SELECT pg_switch_wal()"));
            }

            Sh($"for i in $(seq 1 100); do [ $(ls {segmentDir} | grep -c '^[0-9A-F]\\{{24\\}}$') -ge {segments} ] && exit 0; sleep 0.2; done; exit 1");
            var names = Directory.GetFiles(segmentDir).Select(Path.GetFileName).Where(n => n!.Length == 24).Order(StringComparer.Ordinal).Take(segments).ToList();
            Sh(pgBackRest.StanzaCreate());
            // pgBackRest reads pg_control from pg1-path and (async) the .ready files beside the segments, so every row
            // pushes the same copies from a data-directory-shaped folder; PostgreSQL's own pg_wal is never touched.
            var fake = Path.Combine(work, "pg1");
            var input = Path.Combine(fake, "pg_wal");
            var store = Path.Combine(work, "store");
            var spool = Path.Combine(work, "spool");
            var loop = $"for f in {string.Join(' ', names)}; do {{0}} {input}/$f || exit 1; done";
            var prepare = $"rm -rf {fake} {store} {spool} {pgbr}/repo/archive/bench/15-1/0000000100000000 {pgbr}/spool/archive && mkdir -p {fake}/global {input}/archive_status {store} && cp {data}/global/pg_control {fake}/global/ && cp {segmentDir}/0* {input}/ && for f in {string.Join(' ', names)}; do touch {input}/archive_status/$f.ready; done && {(root ? $"chown -R postgres:postgres {fake} {store}" : "true")}";
            var pushRows = new (string Name, string Command, string? After)[]
            {
                ("process start only: `backupops --version`", $"for f in {string.Join(' ', names)}; do {bo} --version > /dev/null || exit 1; done", null),
                ("BackupOps `wal push`, sync → folder", string.Format(CultureInfo.InvariantCulture, loop, $"{bo} pg wal push --cluster bench --store {store}"), null),
                ("BackupOps `wal push`, async (spool) → folder", string.Format(CultureInfo.InvariantCulture, loop, $"{bo} pg wal push --cluster bench --store {store} --spool-dir {spool}"), $"for i in $(seq 1 600); do [ -z \"$(ls {spool}/queue 2>/dev/null)\" ] && exit 0; sleep 0.1; done; exit 1"),
                ("pgBackRest `archive-push`, sync", string.Format(CultureInfo.InvariantCulture, loop, $"{brPush} archive-push"), null),
                ("pgBackRest `archive-push`, async", string.Format(CultureInfo.InvariantCulture, loop, $"{brPush} --archive-async archive-push"), $"for i in $(seq 1 600); do [ $(ls {pgbr}/spool/archive/bench/out/ 2>/dev/null | grep -c '\\.ok$') -ge {names.Count} ] && exit 0; sleep 0.1; done; exit 1"),
            };
            report.Append(CultureInfo.InvariantCulture, $"## `archive_command` cost per segment ({names.Count} real 16 MiB segments pushed one after another, as PostgreSQL's archiver does)\n\n| Scenario | ms per segment | CPU ms per segment | drain after the last push s | vs pgBackRest (same mode) |\n| --- | --- | --- | --- | --- |\n");
            var perSegment = new Dictionary<string, double>();
            foreach (var (name, command, after) in pushRows)
            {
                var walls = new List<double>();
                var cpus = new List<double>();
                var drains = new List<double>();
                for (var run = 0; run <= runs; run++)
                {
                    Sh(prepare);
                    Console.Error.WriteLine($"push: {name} #{run}");
                    var m = Measure.Run(AsPostgres(command), env);
                    var drain = after is null ? null : Measure.Run(AsPostgres(after), env);
                    if (run > 0)
                    {
                        walls.Add(m.WallSeconds * 1000 / names.Count);
                        cpus.Add(m.CpuSeconds * 1000 / names.Count);
                        drains.Add(drain?.WallSeconds ?? 0);
                    }
                }

                perSegment[name] = BenchUtil.Median(walls);
                var peer = name.Contains("async", StringComparison.Ordinal) ? "pgBackRest `archive-push`, async" : "pgBackRest `archive-push`, sync";
                var ratio = name.StartsWith("BackupOps", StringComparison.Ordinal) && perSegment.TryGetValue(peer, out var p) ? $"{perSegment[name] / p:0.00}×" : string.Empty;
                report.Append(CultureInfo.InvariantCulture, $"| {name} | {BenchUtil.Median(walls):0} ({walls.Min():0}–{walls.Max():0}) | {BenchUtil.Median(cpus):0} | {(after is null ? "-" : BenchUtil.Median(drains).ToString("0.0", CultureInfo.InvariantCulture))} | {ratio} |\n");
            }

            // Where a synchronous push spends its time: the engine's own step timings of one segment.
            Sh(prepare);
            var timing = Measure.Capture(AsPostgres($"{bo} pg wal push {input}/{names[0]} --cluster bench --store {store} --json"), env);
            report.Append("\nOne sync push, the engine's own timings (ms): `").Append(timing.Replace("\n", " ", StringComparison.Ordinal).Trim()).Append("`\n\n");

            // B. Archive lag under a pgbench write load.
            Sh($"/usr/lib/postgresql/15/bin/pgbench -i -q -s 10 -h {pg.SocketDirectory} -p {pg.Port} -U postgres postgres > /dev/null 2>&1");
            report.Append(CultureInfo.InvariantCulture, $"## Archive lag under `pgbench -c 2 -N -T {pgbenchSeconds}` (sampled every 0.5 s: segments waiting in archive_status/*.ready)\n\n| archive_command | segments written | max waiting | mean waiting | last segment archived after the load s |\n| --- | --- | --- | --- | --- |\n");
            foreach (var (name, command) in new[]
            {
                ("BackupOps sync → folder", $"{bo} pg wal push %p --cluster lag --store {store}"),
                ("BackupOps async → folder", $"{bo} pg wal push %p --cluster lag --store {store} --spool-dir {spool}"),
                ("pgBackRest sync", $"{br} archive-push %p"),
            })
            {
                Sh(prepare);
                SetArchive(command);
                Console.Error.WriteLine($"lag: {name}");
                var before = Measure.Capture(Psql("SELECT pg_walfile_name(pg_current_wal_lsn())"), env).Trim();
                var sampler = Task.Run(() => SampleReady(Path.Combine(data, "pg_wal", "archive_status"), TimeSpan.FromSeconds(pgbenchSeconds)));
                Sh($"/usr/lib/postgresql/15/bin/pgbench -c 2 -N -T {pgbenchSeconds} -h {pg.SocketDirectory} -p {pg.Port} -U postgres postgres > /dev/null 2>&1");
                var samples = await sampler;
                var last = Measure.Capture(Psql("SELECT pg_walfile_name(pg_current_wal_lsn())"), env).Trim();
                var drained = Measure.Run($"for i in $(seq 1 1200); do [ -z \"$(ls {data}/pg_wal/archive_status/*.ready 2>/dev/null)\" ] && exit 0; sleep 0.1; done; exit 1", env);
                var written = Convert.ToInt64(last[16..], 16) - Convert.ToInt64(before[16..], 16);
                report.Append(CultureInfo.InvariantCulture, $"| {name} | {written} | {samples.Max()} | {samples.Average():0.0} | {drained.WallSeconds:0.0} |\n");
            }

            SetArchive($"{bo} pg wal push %p --cluster bench --store {store}");
            Sh(prepare);

            // C. Base backup and time to a queryable server for the dataset.
            Sh($"/usr/lib/postgresql/15/bin/createdb -h {pg.SocketDirectory} -p {pg.Port} -U postgres bench");
            Console.Error.WriteLine($"generating {size} MB ...");
            await DatasetGenerator.GenerateAsync(pg.Connection.WithDatabase("bench"), size, seed: 42);
            Sh(Psql("DROP TABLE filler") + " && " + Psql("DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers") + " && " + Psql("CHECKPOINT"));
            var dbSize = Measure.Capture(Psql("SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database"), env).Trim();
            string Url(string database) => $"'{pg.ConnectionString(database)}'";
            var restoreTemp = Path.Combine(work, "restore-tmp");
            var target = Path.Combine(work, "pgbr-target");
            var physical = new (string Name, string Group, string Command, string? Before)[]
            {
                ("BackupOps `pg basebackup` → folder (zstd 1)", "backup", $"{bo} pg basebackup --database-url {Url("postgres")} --cluster bench --store {store}", $"rm -rf {store}/pgbase"),
                ("BackupOps `pg restore --to-latest` (folder) → validated server", "restore", $"{bo} pg restore --cluster bench --store {store} --to-latest --temp-dir {restoreTemp} --database bench --smoke 'SELECT count(*) FROM events => > 0'", $"rm -rf {restoreTemp} && mkdir -p {restoreTemp}"),
                ("pgBackRest `backup --type=full` (zst 1)", "backup", pgBackRest.FullBackup(), ArchiveWith(pgBackRest.ArchivePush)),
                ("pgBackRest `restore` → started → queryable", "restore", pgBackRest.RestoreToQueryable(target, pg.Port + 1, "bench", "SELECT count(*) > 0 FROM events"), $"rm -rf {target}"),
                ("BackupOps `pg backup` (logical, for the next row)", "setup", $"{bo} pg backup --database-url {Url("bench")} --store {store}", $"rm -rf {store}/pg"),
                ("BackupOps `pg restore --jobs 2` (logical, folder) → validated", "restore", $"{bo} pg restore --database-url {Url("bench")} --store {store} --latest --target-database bench_logical --force --jobs 2 --smoke 'SELECT count(*) FROM events => > 0'", null),
            };
            report.Append(CultureInfo.InvariantCulture, $"## {size} MB dataset (all databases {dbSize}): base backup, and nothing to a queryable server\n\n| Scenario | Wall s | CPU s | vs pgBackRest |\n| --- | --- | --- | --- |\n");
            var medians = new Dictionary<string, double>();
            foreach (var (name, group, command, before) in physical)
            {
                var results = new List<Measurement>();
                for (var run = 0; run <= (group == "setup" ? 0 : runs); run++)
                {
                    if (before is not null)
                    {
                        Sh(before);
                    }

                    Console.Error.WriteLine($"{size} MB: {name} #{run}");
                    var m = Measure.Run(command, env);
                    if (run > 0 || group == "setup")
                    {
                        results.Add(m);
                    }
                }

                if (group == "setup")
                {
                    continue;
                }

                var median = BenchUtil.Median(results.Select(r => r.WallSeconds));
                medians[name] = median;
                report.Append(CultureInfo.InvariantCulture, $"| {name} | {median:0.00} ({results.Min(r => r.WallSeconds):0.00}–{results.Max(r => r.WallSeconds):0.00}) | {BenchUtil.Median(results.Select(r => r.CpuSeconds)):0.00} | {{ratio:{name}}} |\n");
            }

            // Ratios once both sides are measured (the pgBackRest rows come after BackupOps' own).
            foreach (var (name, group, _, _) in physical.Where(p => p.Group != "setup"))
            {
                var peer = group == "backup" ? "pgBackRest `backup --type=full` (zst 1)" : "pgBackRest `restore` → started → queryable";
                var ratio = name.StartsWith("BackupOps", StringComparison.Ordinal) && medians.TryGetValue(peer, out var p) && medians.TryGetValue(name, out var ours) ? $"{ours / p:0.00}×" : string.Empty;
                report.Replace($"{{ratio:{name}}}", ratio);
            }

            Directory.CreateDirectory(output);
            var file = Path.Combine(output, $"pitr-{DateTime.UtcNow:yyyyMMdd-HHmm}-{size}MB.md");
            await File.WriteAllTextAsync(file, report.ToString());
            Console.Out.Write(report);
            Console.Error.WriteLine($"written {file}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<int> SampleReady(string archiveStatus, TimeSpan duration)
    {
        var samples = new List<int>();
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            samples.Add(Directory.Exists(archiveStatus) ? Directory.EnumerateFiles(archiveStatus, "*.ready").Count() : 0);
            Thread.Sleep(500);
        }

        return samples;
    }
}
