using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Secrets never as options (#13 item 4): a command line is readable by every local user in ps and /proc, so a URL
/// with a password in an option is refused with the private ways to give it, before anything runs; the same URL in
/// DATABASE_URL or a password in PGPASSWORD still works.
/// </summary>
public sealed class PasswordOptionTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    public static TheoryData<string[], string, string> Refused => new()
    {
        { ["pg", "backup", "--database-url", "postgresql://postgres:S3cretInOption@127.0.0.1:5432/app", "--dry-run"], "--database-url", "PGPASSWORD" },
        { ["pg", "backup", "--database-url", "host=127.0.0.1 dbname=app user=postgres password=S3cretInOption", "--dry-run"], "--database-url", "PGPASSWORD" },
        { ["pg", "prune", "--retention-days", "14", "--database-url", "postgresql://postgres:S3cretInOption@127.0.0.1/app", "--dry-run"], "--database-url", "~/.pgpass" },
        { ["status", "--database-url", "postgresql://postgres:S3cretInOption@127.0.0.1/app"], "--database-url", "PGPASSWORD" },
        { ["redis", "snapshot", "--source", "queues", "--redis-url", "redis://:S3cretInOption@127.0.0.1:6379"], "--redis-url", "REDIS_PASSWORD" },
        { ["redis", "snapshot", "--source", "queues", "--redis-url", "redis://default:S3cretInOption@127.0.0.1:6379"], "--redis-url", "REDIS_URL" },
        { ["redis", "restore", "--latest", "--source", "queues", "--mode", "intoserver", "--target", "redis://:S3cretInOption@127.0.0.1:6380"], "--target", "REDIS_PASSWORD" },
        { ["drill", "--config", "drill.json", "--target-connection", "postgresql://postgres:S3cretInOption@127.0.0.1/postgres"], "--target-connection", "PGPASSWORD" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_password_in_an_option_is_refused_in_one_line_naming_the_option_and_the_fix(string[] arguments, string option, string fix)
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        await File.WriteAllTextAsync(Path.Combine(work.Path, "drill.json"), "{}");

        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["BACKUP_DIR"] = store }, arguments);

        Assert.True(run.ExitCode == 2, run.All);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Contains("carries a password", line, StringComparison.Ordinal);
        Assert.Contains(fix, line, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretInOption", run.All, StringComparison.Ordinal);

        // The fix names only a variable the command reads: pg backup reads DATABASE_URL; the drill's target, prune's and
        // status' --database-url are never read from it (a cold trial was sent to DATABASE_URL by the drill).
        if (arguments[0] is "drill" or "status" || arguments[1] is "prune")
        {
            Assert.DoesNotContain("DATABASE_URL", line, StringComparison.Ordinal);
        }
        else if (arguments[0] == "pg")
        {
            Assert.Contains("DATABASE_URL", line, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(store) && Directory.EnumerateFileSystemEntries(store).Any(), "nothing is written before the refusal");
    }

    [Fact]
    public async Task The_same_password_in_the_environment_backs_up_the_real_server()
    {
        using var work = new TempFolder();
        var store = Path.Combine(work.Path, "backups");
        var db = await Pg.CreateDatabaseAsync("password_env");
        await Pg.ExecuteAsync(db, "CREATE TABLE t AS SELECT g FROM generate_series(1, 100) g");

        var fromUrl = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.Url(db), ["BACKUP_DIR"] = store }, "pg", "backup");
        var fromPgPassword = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?> { ["PGPASSWORD"] = Pg.Password, ["BACKUP_DIR"] = store }, "pg", "backup", "--database-url", Pg.OptionUrl(db));

        Assert.True(fromUrl.ExitCode == 0, fromUrl.All);
        Assert.True(fromPgPassword.ExitCode == 0, fromPgPassword.All);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(store, "pg", db), "*.manifest.json").Length);
    }
}
