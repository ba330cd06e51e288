using System.Text.Json;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// <c>backupops pg list --limit</c> as a separate process on the real RGW with 60 stored backups: the newest N, in
/// aligned text or one valid JSON document, with the manifest GETs counted in the RGW's own request log; bad values
/// refused in one line naming them.
/// </summary>
public sealed class CliListStreamTests
{
    private static Dictionary<string, string?> Env => new()
    {
        ["AWS_ENDPOINT_URL"] = S3TestServer.Shared.Options.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = S3TestServer.Shared.Options.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.Shared.Options.SecretKey,
        ["AWS_REGION"] = S3TestServer.Shared.Options.Region,
        ["BACKUPOPS_S3_PROVIDER"] = "generic",
    };

    [Fact]
    public async Task Pg_list_limit_5_prints_the_5_newest_aligned_and_as_json_and_GETs_only_their_manifests()
    {
        var s3 = S3TestServer.Shared;
        var catalog = await CopiedCatalog.CreateAsync("cli-limit", 60);
        using var work = new TempFolder();

        var log = RgwRequestLog.Begin(s3);
        var text = await BackupOpsCli.RunAsync(work.Path, Env, "pg", "list", "--store", catalog.Store, "--limit", "5");
        var requests = await log.ReadSinceAsync(s3, catalog.Bucket);
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Equal(5, RgwRequestLog.ManifestGets(requests));
        var lines = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(catalog.IdsNewestFirst.Take(5), lines.Skip(1).Select(l => l.Split(' ')[0]));
        // Fixed column widths: every row's columns start where the header's do.
        var header = lines[0];
        Assert.All(lines.Skip(1), row => Assert.Equal(' ', row[header.IndexOf("DATABASE", StringComparison.Ordinal) - 1]));
        Assert.All(lines.Skip(1), row => Assert.Equal(header.IndexOf("STARTED", StringComparison.Ordinal), row.IndexOf("2026-", StringComparison.Ordinal)));

        log = RgwRequestLog.Begin(s3);
        var json = await BackupOpsCli.RunAsync(work.Path, Env, "pg", "list", "--store", catalog.Store, "--limit", "5", "--json");
        Assert.True(json.ExitCode == 0, json.All);
        Assert.Equal(5, RgwRequestLog.ManifestGets(await log.ReadSinceAsync(s3, catalog.Bucket)));
        var document = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(catalog.Store, document.GetProperty("store").GetString());
        Assert.Equal(catalog.IdsNewestFirst.Take(5), document.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("backupId").GetString()));
        Assert.Equal(0, document.GetProperty("leftovers").GetArrayLength());

        // The whole listing streams the same document shape with every backup.
        var all = await BackupOpsCli.RunAsync(work.Path, Env, "pg", "list", "--store", catalog.Store, "--json");
        Assert.True(all.ExitCode == 0, all.All);
        Assert.Equal(catalog.IdsNewestFirst, JsonDocument.Parse(all.Stdout).RootElement.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("backupId").GetString()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    public async Task A_bad_limit_is_one_line_naming_it_and_exit_2(string value)
    {
        using var work = new TempFolder();
        var run = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "pg", "list", "--store", work.Path, "--limit", value);

        Assert.Equal(2, run.ExitCode);
        // One line that names the value and the option (a parse error adds the CLI's usual "Run 'backupops --help'" hint).
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var error = lines[0];
        Assert.True(lines.Length == 1 || (lines.Length == 2 && lines[1].StartsWith("Run 'backupops --help'", StringComparison.Ordinal)), run.Stderr);
        Assert.Contains("--limit", error, StringComparison.Ordinal);
        Assert.Contains(value, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
        Assert.Empty(run.Stdout.Trim());
    }
}
