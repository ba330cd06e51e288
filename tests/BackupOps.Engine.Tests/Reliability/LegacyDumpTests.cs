using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Found 7: legacy dumps are all or nothing. A truncated or corrupt `pg_dump | gzip -9` file (or a truncated plain
/// .sql) fails the restore, the database it was restoring into is dropped, and an existing target is left as it was.
/// </summary>
public sealed class LegacyDumpTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData("truncated-gz", "LegacyDumpIncomplete")]
    [InlineData("trailer-cut-gz", "LegacyDumpIncomplete")]
    [InlineData("corrupt-gz", "LegacyDump")]
    [InlineData("truncated-sql", "LegacyDumpIncomplete")]
    public async Task A_truncated_or_corrupt_legacy_dump_fails_and_leaves_nothing_that_looks_restored(string damage, string errorId)
    {
        using var work = new TempFolder();
        var db = await Pg.CreateDatabaseAsync("legacy_cut");
        await SampleDatabase.SeedAsync(Pg, db, incompressibleMegabytes: 1);
        var gzip = damage.EndsWith("-gz", StringComparison.Ordinal);
        var file = Path.Combine(work.Path, gzip ? "20261101-021500.sql.gz" : "20261101-021500.sql");
        Shell.Run("bash", ["-o", "pipefail", "-c", $"'{Pg.BinDirectory}/pg_dump' --no-owner --no-privileges -h 127.0.0.1 -p {Pg.Port} -U postgres {db} {(gzip ? "| gzip -9" : string.Empty)} > '{file}'"], new Dictionary<string, string> { ["PGPASSWORD"] = Pg.Password });
        var bytes = await File.ReadAllBytesAsync(file);
        switch (damage)
        {
            case "truncated-gz" or "truncated-sql":
                // Cut inside the data, as a full disk or an interrupted copy does.
                bytes = bytes[..(bytes.Length * 2 / 3)];
                break;
            case "trailer-cut-gz":
                bytes = bytes[..^4];
                break;
            default:
                bytes[bytes.Length / 2] ^= 0x20;
                break;
        }

        await File.WriteAllBytesAsync(file, bytes);
        if (gzip)
        {
            Assert.ThrowsAny<InvalidOperationException>(() => Shell.Run("gzip", ["-t", file])); // gzip itself rejects it
        }

        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db) };
        var fresh = Pg.NewDatabaseName("legacy_cut_new");
        var created = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--file", file, "--target-database", fresh);

        Assert.True(created.ExitCode == 1, created.All);
        Assert.Contains($"[{errorId}", created.Stderr, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(fresh));
        Assert.Equal(0L, await Pg.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{fresh}_%'"));

        var existing = await Pg.CreateDatabaseAsync("legacy_cut_existing");
        await Pg.ExecuteAsync(existing, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (7)");
        var forced = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--file", file, "--target-database", existing, "--force");

        Assert.True(forced.ExitCode == 1, forced.All);
        Assert.Equal(7, await Pg.ScalarAsync(existing, "SELECT id FROM precious"));
        Assert.Equal(DBNull.Value, await Pg.ScalarAsync(existing, "SELECT to_regclass('public.events')::text"));
    }
}
