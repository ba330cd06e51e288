using System.Globalization;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A Ceph RGW of its own (tests/servers/rgw.sh, about 3 s to start) for a test that stalls (SIGSTOP) or kills its
/// gateway: the shared <see cref="S3TestServer"/> must keep serving every other test meanwhile. Stopped in the
/// background on dispose (Ceph takes ~10 s to stop), and by the exit watchdog whatever happens.
/// </summary>
public sealed class FaultS3Server : IDisposable
{
    private readonly string _script;
    private readonly string _directory;

    private FaultS3Server(string script, string directory, S3StoreOptions options)
    {
        _script = script;
        _directory = directory;
        Options = options;
    }

    public S3StoreOptions Options { get; }

    public string Endpoint => Options.Endpoint!;

    /// <summary>The environment a `backupops` process needs to reach this server.</summary>
    public Dictionary<string, string?> CliEnvironment() => new()
    {
        ["AWS_ENDPOINT_URL"] = Options.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = Options.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = Options.SecretKey,
        ["BACKUPOPS_S3_PROVIDER"] = "generic",
    };

    public static FaultS3Server Start(params string[] buckets)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("BACKUPOPS_TEST_S3_ENDPOINT")))
        {
            // Stopping an external server's process is not ours to do; these tests need the project's own RGW.
            throw new InvalidOperationException("Fault-injection tests need the project's RGW (tests/servers/rgw.sh), which they stop and kill; unset BACKUPOPS_TEST_S3_ENDPOINT or run them where Ceph is installed.");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "servers", "rgw.sh");
        var directory = Path.Combine(Path.GetTempPath(), $"backupops-faultrgw-{Environment.ProcessId}-{Guid.NewGuid():N}"[..52], "cluster");
        var environment = new Dictionary<string, string>
        {
            ["RGW_DIR"] = directory,
            ["RGW_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RGW_MON_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RGW_MEMSTORE_BYTES"] = (1L << 30).ToString(CultureInfo.InvariantCulture),
            ["RGW_BUCKETS"] = string.Join(' ', buckets),
        };
        Shell.WhenTestProcessExits($"RGW_DIR='{directory}' bash '{script}' stop; rm -rf '{Path.GetDirectoryName(directory)}'");
        var output = Shell.Run("bash", [script, "start"], environment, TimeSpan.FromMinutes(4));
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return new FaultS3Server(script, directory, new S3StoreOptions
        {
            Endpoint = values["AWS_ENDPOINT_URL"],
            AccessKey = values["AWS_ACCESS_KEY_ID"],
            SecretKey = values["AWS_SECRET_ACCESS_KEY"],
            Region = values["AWS_REGION"],
            Provider = S3Provider.Generic,
            PartSizeBytes = S3StoreOptions.MinimumPartSize,
        });
    }

    /// <summary>SIGSTOP: connections are still accepted by the kernel, but nothing is ever answered.</summary>
    public void Stall() => Gateway("stop");

    /// <summary>SIGCONT after <see cref="Stall"/>.</summary>
    public void Resume() => Gateway("cont");

    /// <summary>SIGKILL: connections are refused from now on.</summary>
    public void KillGateway() => Gateway("kill");

    /// <summary>Starts the gateway again after <see cref="KillGateway"/>.</summary>
    public void StartGateway() => Gateway("start");

    public void Dispose()
    {
        var stop = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", $"RGW_DIR='{_directory}' bash '{_script}' stop >/dev/null 2>&1; rm -rf '{Path.GetDirectoryName(_directory)}'" })
        {
            stop.ArgumentList.Add(argument);
        }

        System.Diagnostics.Process.Start(stop)?.Dispose();
    }

    private void Gateway(string action) =>
        Shell.Run("bash", [_script, "gateway", action], new Dictionary<string, string> { ["RGW_DIR"] = _directory }, TimeSpan.FromMinutes(2));
}
