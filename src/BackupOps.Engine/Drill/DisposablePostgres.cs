using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Drill;

/// <summary>
/// A throw-away PostgreSQL for restore tests (the seed's "docker run --rm postgres" without Docker): initdb in a
/// private (0700) temporary dir, the server's major version chosen to match the backup. It has no TCP listener at
/// all: it listens only on a Unix socket in its own 0700 folder, so no other local user can reach it (it holds a
/// restored copy of production data, and a superuser session could run COPY ... TO PROGRAM). Trust authentication on
/// that socket is safe for the same reason. PostgreSQL refuses to run as root, so as root it runs as the postgres user.
/// </summary>
public sealed class DisposablePostgres : IAsyncDisposable
{
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];
    private readonly string _bin;

    private DisposablePostgres(string root, string bin, int port, int major, string socketDirectory)
    {
        Root = root;
        _bin = bin;
        Port = port;
        MajorVersion = major;
        SocketDirectory = socketDirectory;
    }

    /// <summary>The instance's folder (0700).</summary>
    public string Root { get; }

    /// <summary>The port number its socket is named after (<c>.s.PGSQL.&lt;port&gt;</c>); nothing listens on TCP.</summary>
    public int Port { get; }

    /// <summary>The 0700 folder holding its Unix socket (short: a socket path has at most 107 bytes).</summary>
    public string SocketDirectory { get; }

    /// <summary>Server major version.</summary>
    public int MajorVersion { get; }

    /// <summary>Connection settings: user postgres over the private socket (trust: only this user and root can reach it).</summary>
    public PgConnectionSettings Connection => new() { Host = SocketDirectory, Port = Port, Username = "postgres", Database = "postgres", FromOperator = false };

    /// <summary>A libpq connection string for tools and the CLI (key=value; the socket folder as host).</summary>
    public string ConnectionString(string database) => $"host={SocketDirectory} port={Port.ToString(CultureInfo.InvariantCulture)} user=postgres dbname={database}";

    /// <summary>A new 0700 folder for a server's socket under /tmp (or a short temp root): a socket path has at most 107 bytes.</summary>
    internal static string CreateSocketDirectory()
    {
        var tempRoot = Path.GetTempPath().Length <= 60 ? Path.GetTempPath() : "/tmp";
        string socket;
        do
        {
            socket = Path.Combine(tempRoot, "bo-pg-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        }
        while (Path.Exists(socket));

        Wal.PrivateFiles.CreateDirectory(socket);
        return socket;
    }

    /// <summary>Starts an instance whose major version is at least <paramref name="minimumMajor"/> (the exact one when installed).</summary>
    public static Task<DisposablePostgres> StartAsync(int minimumMajor, string? tempRoot, CancellationToken cancellationToken) =>
        StartAsync(minimumMajor, tempRoot, null, cancellationToken);

    /// <summary>Starts an instance with extra server options (<c>-c name=value ...</c>, as pg_ctl -o takes them).</summary>
    public static async Task<DisposablePostgres> StartAsync(int minimumMajor, string? tempRoot, string? serverOptions, CancellationToken cancellationToken)
    {
        var (bin, major) = FindServer(minimumMajor);
        var root = Restore.VerifiedSource.CreateTempDirectory(tempRoot, "drill-postgres");
        var socket = CreateSocketDirectory();
        var asRoot = System.Environment.UserName == "root";
        var port = FreePort();
        var instance = new DisposablePostgres(root, bin, port, major, socket);
        try
        {
            if (asRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", root, socket], cancellationToken).ConfigureAwait(false);
            }

            await instance.RunServerToolAsync("initdb", ["-D", instance.DataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "--no-locale", "-E", "UTF8", "--no-sync"], cancellationToken).ConfigureAwait(false);
            var options = $"-p {port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses= -c unix_socket_directories={socket} -c unix_socket_permissions=0700 -c fsync=off -c full_page_writes=off" + (serverOptions is null ? string.Empty : " " + serverOptions);
            await instance.RunServerToolAsync("pg_ctl", ["-D", instance.DataDirectory, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "120", "start"], cancellationToken).ConfigureAwait(false);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private string DataDirectory => Path.Combine(Root, "data");

    /// <summary>Stops the server and removes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Directory.Exists(DataDirectory) && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
            catch (BackupOpsException)
            {
                // already down
            }
        }

        Restore.VerifiedSource.DeleteQuietly(Root);
        Restore.VerifiedSource.DeleteQuietly(SocketDirectory);
    }

    private Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        System.Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(_bin, tool), arguments, cancellationToken);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = file.Contains('/', StringComparison.Ordinal)
            ? file
            : SystemDirectories.Select(dir => Path.Combine(dir, file)).FirstOrDefault(File.Exists) ?? file;

        await using var process = ProcessRunner.Start(new ExternalTool(Path.GetFileName(file), path, string.Empty, 0), arguments, null, new SecretRedactor());
        _ = process.Output.CopyToAsync(Stream.Null, cancellationToken);
        await process.WaitForSuccessAsync("DisposablePostgresFailed", $"Starting a disposable PostgreSQL ({Path.GetFileName(file)})", cancellationToken).ConfigureAwait(false);
    }

    internal static (string Bin, int Major) FindServer(int minimumMajor)
    {
        const string root = "/usr/lib/postgresql";
        var installed = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Bin: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0))
                .Where(v => File.Exists(Path.Combine(v.Bin, "initdb")))
                .ToList()
            : [];
        var exact = installed.FirstOrDefault(v => v.Major == minimumMajor);
        if (exact.Bin is not null)
        {
            return exact;
        }

        var newer = installed.Where(v => v.Major >= minimumMajor).OrderBy(v => v.Major).FirstOrDefault();
        return newer.Bin is not null
            ? newer
            : throw new BackupOpsException(BackupOpsErrorKind.ToolMissing, "PostgresServerMissing", $"No PostgreSQL server {minimumMajor} or newer is installed to restore into. Install it (Debian: apt-get install postgresql-{minimumMajor}) or give an existing server with -TargetConnection / --target-connection.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
