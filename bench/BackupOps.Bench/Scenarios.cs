namespace BackupOps.Bench;

/// <summary>One measured command: its group, what runs before each run (not measured), the like-with-like baseline and what to size afterwards.</summary>
/// <remarks>A <see cref="Before"/> of <c>@empty PREFIX</c> empties that prefix of the benchmark bucket instead of running a shell command.</remarks>
internal sealed record Scenario(string Name, string Group, string Command, string? Before, string? Baseline, string? SizeOf);

/// <summary>Where a dataset's scenarios run: PostgreSQL binaries, database, scratch folder, the CLI's shell words, RGW.</summary>
internal sealed record DatasetContext(string Bin, string Database, string Dir, string BackupOps, string Url, int Size, string Recipient, int RgwPort);

/// <summary>The scenarios both benchmark modes measure, with the names the reports and the issue #16 targets refer to.</summary>
internal static class Scenarios
{
    public const string RawZlib = "raw pg_dump -Fc -Z1 -f file";
    public const string RawZstd = "raw pg_dump -Fc -Z0 | zstd -1 -T2 > file";
    public const string FolderZstd = "BackupOps → folder (zstd 1, default)";
    public const string FolderZlib = "BackupOps → folder, --codec pg_dump --compress 1";
    public const string Rgw = "BackupOps → RGW (zstd 1)";
    public const string RawRestore = "raw pg_restore -j 2 (-Z1 file)";
    public const string StockStream = "stock: zstd -dc file | pg_restore";
    public const string StockParallel = "stock: zstd -d to a file; pg_restore -j 2";
    public const string FolderRestore = "BackupOps ← folder, --jobs 2";
    public const string RgwRestore = "BackupOps ← RGW, --jobs 2";
    public const string TinyRaw = "tiny: raw pg_dump -Fc -Z0 | zstd -1";
    public const string TinyFolder = "tiny: BackupOps → folder";
    public const string TinyRgw = "tiny: BackupOps → RGW";

    /// <summary>The dataset's backup and restore rows; every BackupOps row names the raw pipeline doing the same work at the same level.</summary>
    public static List<Scenario> Dataset(DatasetContext c)
    {
        var (bin, db, dir, bo, url, size) = (c.Bin, c.Database, c.Dir, c.BackupOps, c.Url, c.Size);
        var curlPut = $"curl -sf --aws-sigv4 'aws:amz:us-east-1:s3' --user backupopstestkey:backupopstestsecret -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T {dir}/seed.sql.gz http://127.0.0.1:{c.RgwPort}/benchmark-bucket/seed/{db}.sql.gz";
        string Recreate(string target) => $"'{bin}/dropdb' --if-exists {target} && '{bin}/createdb' {target}";

        // RGW keeps objects in memory: each BackupOps upload run first removes the previous run's objects, and the
        // restore scenarios use the one left by the last run before them.
        return
        [
            new(RawZlib, "backup", $"'{bin}/pg_dump' -Fc -Z1 -f {dir}/raw.dump {db}", $"rm -f {dir}/raw.dump", null, $"{dir}/raw.dump"),
            new(RawZstd, "backup", $"'{bin}/pg_dump' -Fc -Z0 {db} | zstd -q -1 -T2 -o {dir}/raw.dump.zst", $"rm -f {dir}/raw.dump.zst", null, $"{dir}/raw.dump.zst"),
            new("seed: pg_dump | gzip -9 > tmp; upload", "backup", $"'{bin}/pg_dump' {db} | gzip -9 > {dir}/seed.sql.gz && {curlPut}", null, null, null),
            new(FolderZstd, "backup", $"{bo} pg backup --database-url {url} --store {dir}/store", $"rm -rf {dir}/store", RawZstd, $"{dir}/store"),
            new(FolderZlib, "backup", $"{bo} pg backup --database-url {url} --store {dir}/store-zlib --codec pg_dump --compress 1", $"rm -rf {dir}/store-zlib", RawZlib, $"{dir}/store-zlib"),
            new(Rgw, "backup", $"{bo} pg backup --database-url {url} --store s3://benchmark-bucket/bo{size}", $"@empty bo{size}/", RawZstd, null),
            new("BackupOps → RGW, age (zstd 1)", "backup", $"{bo} pg backup --database-url {url} --store s3://benchmark-bucket/age{size} --recipient {c.Recipient}", $"@empty age{size}/", RawZstd, null),

            // Restores, each against the stock tools restoring the same kind of object.
            new(RawRestore, "restore", $"'{bin}/pg_restore' --no-owner -d {db}_r2 -j 2 {dir}/raw.dump", Recreate($"{db}_r2"), null, null),
            new(StockStream, "restore", $"zstd -qdc {dir}/raw.dump.zst | '{bin}/pg_restore' --no-owner -d {db}_r6", Recreate($"{db}_r6"), null, null),
            new(StockParallel, "restore", $"zstd -qdf {dir}/raw.dump.zst -o {dir}/plain.dump && '{bin}/pg_restore' --no-owner -d {db}_r7 -j 2 {dir}/plain.dump", $"rm -f {dir}/plain.dump && {Recreate($"{db}_r7")}", null, null),
            new("seed: gunzip -c | psql", "restore", $"gunzip -c {dir}/seed.sql.gz | '{bin}/psql' -q -o /dev/null -d {db}_r3", Recreate($"{db}_r3"), null, null),
            new("BackupOps ← folder, --jobs 1", "restore", $"{bo} pg restore --database-url {url} --store {dir}/store --latest --target-database {db}_r8 --force", null, StockStream, null),
            new(FolderRestore, "restore", $"{bo} pg restore --database-url {url} --store {dir}/store --latest --target-database {db}_r9 --force --jobs 2", null, StockParallel, null),
            new("BackupOps ← RGW, --jobs 1", "restore", $"{bo} pg restore --database-url {url} --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r4 --force", null, StockStream, null),
            new(RgwRestore, "restore", $"{bo} pg restore --database-url {url} --store s3://benchmark-bucket/bo{size} --latest --target-database {db}_r5 --force --jobs 2", null, StockParallel, null),
        ];
    }

    /// <summary>SQL that creates the one-table database of the fixed-cost rows (run with psql against any database).</summary>
    public static string CreateTiny(string bin) =>
        $"'{bin}/createdb' bench_tiny && '{bin}/psql' -q -d bench_tiny -c 'CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100) g'";

    /// <summary>Fixed cost per run: a one-table database, where nearly everything is start-up.</summary>
    public static List<Scenario> Tiny(string bin, string dir, string bo, string tinyUrl)
    {
        return
        [
            new(TinyRaw, "fixed", $"'{bin}/pg_dump' -Fc -Z0 bench_tiny | zstd -q -1 -o {dir}/tiny.dump.zst", $"rm -f {dir}/tiny.dump.zst", null, null),
            new("tiny: backupops --help", "fixed", $"{bo} --help > /dev/null", null, null, null),
            new("tiny: backupops --version", "fixed", $"{bo} --version > /dev/null", null, null, null),
            new(TinyFolder, "fixed", $"{bo} pg backup --database-url {tinyUrl} --store {dir}/tiny-store", $"rm -rf {dir}/tiny-store", TinyRaw, null),
            new(TinyRgw, "fixed", $"{bo} pg backup --database-url {tinyUrl} --store s3://benchmark-bucket/tiny", "@empty tiny/", TinyRaw, null),
        ];
    }
}
