using BackupOps.Engine.Backup;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Pure parsing rules: connection strings, smoke queries, backup ids, redaction.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void Url_connection_strings_keep_the_password_apart()
    {
        var settings = PgConnectionSettings.Parse("postgresql://backup:s%40cret@db.example:6543/monotickets?sslmode=require");
        Assert.Equal(("db.example", 6543, "monotickets", "backup", "s@cret", "require"), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password, settings.SslMode));
        Assert.DoesNotContain("cret", settings.Display, StringComparison.Ordinal);
        Assert.Equal("s@cret", settings.ToLibpqEnvironment()["PGPASSWORD"]);
    }

    [Fact]
    public void Key_value_connection_strings_accept_libpq_and_npgsql_spellings()
    {
        var libpq = PgConnectionSettings.Parse("host=db1 port=5433 dbname=app user=ops password='it\\'s x'");
        Assert.Equal(("db1", 5433, "app", "ops", "it's x"), (libpq.Host, libpq.Port, libpq.Database, libpq.Username, libpq.Password));
        var npgsql = PgConnectionSettings.Parse("Host=db2;Database=app2;Username=u;Password=p");
        Assert.Equal(("db2", 5432, "app2", "u", "p"), (npgsql.Host, npgsql.Port, npgsql.Database, npgsql.Username, npgsql.Password));
    }

    [Theory]
    [InlineData("")]
    [InlineData("host=db port=99999")]
    [InlineData("nonsense")]
    public void Bad_connection_strings_are_invalid_input(string text) =>
        Assert.Equal(BackupOpsErrorKind.InvalidInput, Assert.Throws<BackupOpsException>(() => PgConnectionSettings.Parse(text)).Kind);

    [Theory]
    [InlineData("SELECT count(*) FROM events => > 0", 5, null)]
    [InlineData("SELECT count(*) FROM events => > 0", 0, "got 0, expected > 0")]
    [InlineData("SELECT count(*) FROM t => = 3", 3, null)]
    [InlineData("SELECT status FROM h => = 'ok'", "ok", null)]
    [InlineData("SELECT status FROM h => != 'ok'", "ok", "got 'ok', expected != 'ok'")]
    [InlineData("SELECT 1", 1, null)]
    public void Smoke_queries_compare_results(string text, object value, string? problem) =>
        Assert.Equal(problem, SmokeQuery.Parse(text).Evaluate(value));

    [Theory]
    [InlineData("SELECT 1 =>")]
    [InlineData("SELECT 1 => about 3")]
    [InlineData("SELECT 1 => > 'x'")]
    public void Smoke_queries_without_a_usable_expectation_are_rejected(string text) =>
        Assert.Equal("SmokeQueryInvalid", Assert.Throws<BackupOpsException>(() => SmokeQuery.Parse(text)).ErrorId);

    [Fact]
    public void Backup_ids_sort_by_time_and_round_trip_through_keys()
    {
        var early = BackupKeys.NewBackupId(new DateTimeOffset(2026, 11, 21, 2, 15, 0, 1, TimeSpan.Zero));
        var late = BackupKeys.NewBackupId(new DateTimeOffset(2026, 11, 21, 2, 15, 0, 2, TimeSpan.Zero));
        Assert.True(string.CompareOrdinal(early, late) < 0);
        Assert.Equal(late, BackupKeys.BackupIdOf(BackupKeys.DataKey("my db", late, encrypted: true)));
        Assert.Equal("pg/my%20db/", BackupKeys.DatabasePrefix("my db"));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 2, 15, 0, 2, TimeSpan.Zero), BackupKeys.StartedUtcOf(late));
    }

    [Fact]
    public void Redactor_masks_registered_secrets_and_url_passwords()
    {
        var redactor = new SecretRedactor();
        redactor.Add("hunter2");
        Assert.Equal("connect postgresql://u:********@h/db failed: hunter? ********", redactor.Redact("connect postgresql://u:pw@h/db failed: hunter? hunter2"));
        Assert.Equal("password=******** host=x", redactor.Redact("password=abc host=x"));
    }
}
