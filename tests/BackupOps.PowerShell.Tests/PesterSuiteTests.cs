using System.Globalization;
using System.Xml.Linq;
using BackupOps.Engine.Tests.Servers;
using Xunit;
using Xunit.Abstractions;

namespace BackupOps.PowerShell.Tests;

/// <summary>
/// Runs the Pester suites in a child pwsh against real servers started here, once for the whole run: PostgreSQL 15,
/// Ceph RGW and Redis 7 from the engine tests' fixtures. The endpoints reach Pester through its environment
/// (tests/Pester/TestServers.psm1 reads them). NUnit XML goes to artifacts/pester/; test.sh adds its counts to the
/// closing line. A failed or skipped Pester test fails this test with the Pester test's name and message.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PesterSuiteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task Pester_suites_pass_in_real_pwsh_against_real_servers()
    {
        var pg = PostgresServer.Shared;
        var s3 = S3TestServer.Shared.Options;
        await using var redis = await RedisTestServer.StartAsync();

        // Point-in-time recovery (tests/Pester/Pitr.Tests.ps1): a PostgreSQL of its own that archives its WAL into a
        // folder store with the real CLI, and a folder the recovered servers' user can write.
        var pitrStore = ArchivingPostgres.NewSharedFolder("pester-pitr-store");
        var pitrTemp = ArchivingPostgres.NewSharedFolder("pester-pitr-temp");
        await using var pitr = await ArchivingPostgres.StartAsync("pester-pitr", $"--store {pitrStore}");
        Shell.WhenTestProcessExits($"rm -rf '{pitrStore}' '{pitrTemp}'");
        var results = Path.Combine(Pwsh.RepositoryRoot, "artifacts", "pester");
        Directory.CreateDirectory(results);
        foreach (var stale in Directory.GetFiles(results, "*.xml"))
        {
            File.Delete(stale);
        }

        // The suites get a temporary directory of their own: the cmdlets report leftovers of other runs found in the system's
        // temporary directory as warnings, and a test that reads a script's output must not see another run's crumbs.
        using var temp = new SuiteTempDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["TMPDIR"] = temp.Path,
            // Plain text: a failed test's message can carry a child script's colored warning, and an escape character makes
            // Pester's NUnit report fail to write, which hides every result of that suite.
            ["NO_COLOR"] = "1",
            ["BACKUPOPS_PESTER_MODULE"] = Pwsh.PesterModule,
            ["BACKUPOPS_TEST_PACKAGES"] = Pwsh.PackageRoot,
            ["BACKUPOPS_TEST_ISOLATION_NPGSQL"] = Pwsh.Metadata("IsolationNpgsqlVersion"),
            ["BACKUPOPS_TEST_ISOLATION_AWSCORE"] = Pwsh.Metadata("IsolationAwsCoreVersion"),
            ["BACKUPOPS_TEST_PG_HOST"] = "127.0.0.1",
            ["BACKUPOPS_TEST_PG_PORT"] = pg.Port.ToString(CultureInfo.InvariantCulture),
            ["BACKUPOPS_TEST_PG_USER"] = "postgres",
            ["BACKUPOPS_TEST_PG_PASSWORD"] = pg.Password,
            ["BACKUPOPS_TEST_PG_BIN"] = pg.BinDirectory,
            ["BACKUPOPS_TEST_S3_ENDPOINT"] = s3.Endpoint,
            ["BACKUPOPS_TEST_S3_ACCESS_KEY"] = s3.AccessKey,
            ["BACKUPOPS_TEST_S3_SECRET_KEY"] = s3.SecretKey,
            ["BACKUPOPS_TEST_S3_REGION"] = s3.Region ?? "us-east-1",
            // The RGW's own log of requests: listing tests count the manifest GETs a cmdlet made (RgwRequestLog).
            ["BACKUPOPS_TEST_S3_REQUEST_LOG"] = S3TestServer.Shared.RequestLogPath,
            ["BACKUPOPS_TEST_REDIS_PORT"] = redis.Port.ToString(CultureInfo.InvariantCulture),
            ["BACKUPOPS_TEST_REDIS_PASSWORD"] = redis.Password,
            ["BACKUPOPS_TEST_PITR_PORT"] = pitr.Port.ToString(CultureInfo.InvariantCulture),
            ["BACKUPOPS_TEST_PITR_PASSWORD"] = pitr.Password,
            ["BACKUPOPS_TEST_PITR_CLUSTER"] = pitr.Cluster,
            ["BACKUPOPS_TEST_PITR_STORE"] = pitrStore,
            ["BACKUPOPS_TEST_PITR_TEMP"] = pitrTemp,
            ["BACKUPOPS_TEST_CLI"] = BackupOpsCli.ProgramPath,
            ["BACKUPOPS_TEST_RESULTS"] = results,
            // The suites set what each test needs; nothing from the test host's own configuration leaks in.
            ["DATABASE_URL"] = null, ["BACKUPOPS_CLI"] = null, ["BACKUP_DIR"] = null, ["AWS_ENDPOINT_URL"] = null, ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["REDIS_URL"] = null, ["REDIS_PASSWORD"] = null, ["PGPASSWORD"] = null,
        };
        var run = Pwsh.Run(
            [
                "-NoProfile", "-NonInteractive", "-File", Path.Combine(Pwsh.RepositoryRoot, "tests", "Pester", "Invoke-PesterSuites.ps1"), "-ResultDirectory", results,
                // A developer's shortcut (docs/testing.md): BACKUPOPS_PESTER_PATH=tests/Pester/X.Tests.ps1 runs that file alone, without the drill.
                .. (Environment.GetEnvironmentVariable("BACKUPOPS_PESTER_PATH") is { Length: > 0 } only ? new[] { "-Path", only, "-SkipDrill" } : []),
            ],
            SuiteTimeout,
            environment,
            onLine: line => output.WriteLine(line));

        var files = Directory.GetFiles(results, "*.xml");
        Assert.True(files.Length > 0, $"Pester wrote no results (exit {run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        var problems = new List<string>();
        var total = 0;
        foreach (var file in files)
        {
            var document = XDocument.Load(file);
            foreach (var testCase in document.Descendants("test-case"))
            {
                total++;
                var result = (string?)testCase.Attribute("result");
                if (result is not "Success")
                {
                    problems.Add($"{result}: {(string?)testCase.Attribute("description") ?? (string?)testCase.Attribute("name")}\n    {testCase.Descendants("message").FirstOrDefault()?.Value.Trim()}");
                }
            }
        }

        Assert.True(total > 0, $"Pester ran no test:\n{run.Stdout}\n{run.Stderr}");

        // The suites clean up after themselves: no test database (nor a restore's scratch database) is left behind.
        var left = await pg.ScalarAsync("postgres", "SELECT string_agg(datname, ', ') FROM pg_database WHERE datname LIKE 'pester\\_%'");
        Assert.True(left is null or DBNull, $"the Pester suites left databases behind: {left}");
        Assert.True(problems.Count == 0, $"{problems.Count} of {total} Pester tests did not pass:\n{string.Join("\n", problems)}\n--- stderr ---\n{run.Stderr}");
        Assert.True(run.ExitCode == 0, $"pwsh exited {run.ExitCode}:\n{run.Stderr}");
    }

    /// <summary>The suites' own temporary directory, removed after the run.</summary>
    private sealed class SuiteTempDirectory : IDisposable
    {
        public SuiteTempDirectory()
        {
            // Short: the 80-column view tests print store paths under it, and a long prefix wraps their group headers.
            Path = Directory.CreateTempSubdirectory("bop-").FullName;
            // Shared like /tmp (sticky, everyone may create): the drill's disposable PostgreSQL runs as the postgres user.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, (UnixFileMode)0b1_111_111_111);
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
