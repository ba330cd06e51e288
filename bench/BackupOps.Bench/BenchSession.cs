using System.Globalization;
using BackupOps.Engine.Drill;
using BackupOps.Engine.Stores;

namespace BackupOps.Bench;

/// <summary>
/// What a benchmark session runs against: a scratch folder, the project's Ceph RGW (tests/servers/rgw.sh, in memory,
/// bucket <c>benchmark-bucket</c>), a disposable PostgreSQL 15, an age key and the environment every measured command gets.
/// </summary>
internal sealed class BenchSession : IAsyncDisposable
{
    public const string Bucket = "benchmark-bucket";
    public const string Bin = "/usr/lib/postgresql/15/bin";

    private readonly string _repo;
    private readonly Dictionary<string, string> _rgwEnv;

    private BenchSession(string repo, string work, Dictionary<string, string> rgwEnv, int rgwPort)
    {
        (_repo, Work, _rgwEnv, RgwPort) = (repo, work, rgwEnv, rgwPort);
        RgwDir = rgwEnv["RGW_DIR"];
    }

    public string Work { get; }

    public string RgwDir { get; }

    public int RgwPort { get; }

    public DisposablePostgres Postgres { get; private set; } = null!;

    public Dictionary<string, string> Env { get; private set; } = [];

    public S3StoreOptions S3 { get; private set; } = null!;

    public string Recipient { get; private set; } = string.Empty;

    /// <summary>Starts RGW and PostgreSQL (with extra <paramref name="serverOptions"/>, e.g. <c>-c archive_mode=on</c>).</summary>
    public static async Task<BenchSession> StartAsync(string repo, long memstoreBytes, string? serverOptions)
    {
        var work = Directory.CreateTempSubdirectory("backupops-bench-").FullName;
        // The disposable PostgreSQL runs as the postgres user, which must reach its folder.
        File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
        var rgwPort = BenchUtil.FreePort();
        var rgwEnv = new Dictionary<string, string> { ["RGW_DIR"] = Path.Combine(work, "rgw", "cluster"), ["RGW_PORT"] = rgwPort.ToString(CultureInfo.InvariantCulture), ["RGW_MON_PORT"] = BenchUtil.FreePort().ToString(CultureInfo.InvariantCulture), ["RGW_BUCKETS"] = Bucket, ["RGW_MEMSTORE_BYTES"] = memstoreBytes.ToString(CultureInfo.InvariantCulture) };
        var session = new BenchSession(repo, work, rgwEnv, rgwPort);
        try
        {
            Console.Error.WriteLine("starting Ceph RGW ...");
            Measure.Shell($"bash '{Path.Combine(repo, "tests", "servers", "rgw.sh")}' start > '{work}/rgw.env'", rgwEnv);
            session.Postgres = await DisposablePostgres.StartAsync(15, work, serverOptions, CancellationToken.None);
            var ageDir = Path.Combine(work, "age");
            Directory.CreateDirectory(ageDir);
            Measure.Shell($"age-keygen -o '{ageDir}/id.txt' 2>/dev/null && age-keygen -y '{ageDir}/id.txt' > '{ageDir}/recipient.txt'", new Dictionary<string, string>());
            session.Recipient = File.ReadAllText(Path.Combine(ageDir, "recipient.txt")).Trim();
            var pg = session.Postgres;
            session.Env = new Dictionary<string, string>
            {
                ["PGHOST"] = pg.SocketDirectory, ["PGPORT"] = pg.Port.ToString(CultureInfo.InvariantCulture), ["PGUSER"] = "postgres",
                ["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{rgwPort}", ["AWS_ACCESS_KEY_ID"] = "backupopstestkey", ["AWS_SECRET_ACCESS_KEY"] = "backupopstestsecret", ["AWS_REGION"] = "us-east-1",
                ["BACKUPOPS_S3_PROVIDER"] = "generic",
            };
            session.S3 = new S3StoreOptions { Endpoint = session.Env["AWS_ENDPOINT_URL"], AccessKey = "backupopstestkey", SecretKey = "backupopstestsecret", Region = "us-east-1", Provider = S3Provider.Generic };
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The <c>--database-url</c> BackupOps gets for a database of the session's server, quoted for the shell: key=value
    /// over the Unix socket, the only listener a DisposablePostgres has (and what the raw tools use through PGHOST).
    /// </summary>
    public string Url(string database) => $"'{Postgres.ConnectionString(database)}'";

    /// <summary>The context of a dataset's scenarios, with its scratch folder created.</summary>
    public DatasetContext Dataset(string database, int size, string backupOps)
    {
        var dir = Path.Combine(Work, $"run-{size}");
        Directory.CreateDirectory(dir);
        return new DatasetContext(Bin, database, dir, backupOps, Url(database), size, Recipient, RgwPort);
    }

    public async ValueTask DisposeAsync()
    {
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        try
        {
            Measure.Shell($"bash '{Path.Combine(_repo, "tests", "servers", "rgw.sh")}' stop", _rgwEnv);
        }
        finally
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}
