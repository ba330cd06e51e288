using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A real S3 endpoint for the test run: the project's own Ceph RGW launcher (tests/servers/rgw.sh) on free
/// 127.0.0.1 ports, or an external server given by BACKUPOPS_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY
/// (MinIO, real S3). Buckets are created per test with unique names.
/// </summary>
public sealed class S3TestServer
{
    private static readonly Lazy<S3TestServer> SharedInstance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _bucketCounter;

    private S3TestServer(S3StoreOptions options, string? requestLog = null)
    {
        Options = options;
        RequestLogPath = requestLog;
    }

    public static S3TestServer Shared => SharedInstance.Value;

    public S3StoreOptions Options { get; }

    /// <summary>
    /// The gateway's log, where beast writes one access line per request ("GET /bucket/key HTTP/1.1" 200): the
    /// server's own record of what a client asked (see <see cref="RgwRequestLog"/>). Null for an external server.
    /// </summary>
    public string? RequestLogPath { get; }

    public AmazonS3Client CreateClient() => S3ClientFactory.Create(Options);

    public async Task<string> CreateBucketAsync(string purpose)
    {
        var name = $"bo-{purpose}-{Interlocked.Increment(ref _bucketCounter)}-{Environment.ProcessId}".ToLowerInvariant();
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>
    /// A bucket created with Object Lock enabled (x-amz-bucket-object-lock-enabled, which also turns on versioning). Its
    /// locked objects cannot be removed by the test, so each test takes its own and leaves it to the RGW teardown
    /// (the OSD lives in memory and goes with the cluster).
    /// </summary>
    public async Task<string> CreateLockedBucketAsync(string purpose)
    {
        var name = $"bo-{purpose}-{Interlocked.Increment(ref _bucketCounter)}-{Environment.ProcessId}".ToLowerInvariant();
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name, ObjectLockEnabledForBucket = true });
        return name;
    }

    public async Task<List<string>> ListKeysAsync(string bucket)
    {
        using var client = CreateClient();
        var response = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return (response.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    public async Task<int> CountMultipartUploadsAsync(string bucket)
    {
        using var client = CreateClient();
        var response = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return response.MultipartUploads?.Count ?? 0;
    }

    private static S3TestServer Start()
    {
        var external = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_S3_ENDPOINT");
        if (!string.IsNullOrEmpty(external))
        {
            return new S3TestServer(new S3StoreOptions
            {
                Endpoint = external,
                AccessKey = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_S3_ACCESS_KEY"),
                SecretKey = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_S3_SECRET_KEY"),
                Region = Environment.GetEnvironmentVariable("BACKUPOPS_TEST_S3_REGION") ?? "us-east-1",
                PartSizeBytes = S3StoreOptions.MinimumPartSize,
            });
        }

        var script = Path.Combine(AppContext.BaseDirectory, "servers", "rgw.sh");
        var directory = Path.Combine(Path.GetTempPath(), $"backupops-rgw-{Environment.ProcessId}", "cluster");
        string? output = null;
        InvalidOperationException? failure = null;
        // Two test assemblies start a cluster each at the same time: a port can still be taken between choosing it
        // and binding it, so a failed start is stopped and tried again on other ports.
        for (var attempt = 1; attempt <= 3 && output is null; attempt++)
        {
            var environment = new Dictionary<string, string>
            {
                ["RGW_DIR"] = directory,
                ["RGW_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RGW_MON_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            try
            {
                output = Shell.Run("bash", [script, "start"], environment, TimeSpan.FromMinutes(4));
            }
            catch (InvalidOperationException ex)
            {
                failure = ex;
                try
                {
                    Shell.Run("bash", [script, "stop"], new Dictionary<string, string> { ["RGW_DIR"] = directory }, TimeSpan.FromMinutes(1));
                }
                catch (InvalidOperationException)
                {
                    // nothing was left running
                }
            }
        }

        if (output is null)
        {
            throw new InvalidOperationException("The Ceph RGW test server could not start. Install ceph-mon ceph-osd radosgw ceph-common (the README's test command does), run as root, or set BACKUPOPS_TEST_S3_ENDPOINT to another S3 server.\n" + failure?.Message, failure);
        }

        Shell.WhenTestProcessExits($"RGW_DIR='{directory}' bash '{script}' stop; rm -rf '{Path.GetDirectoryName(directory)}'");
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return new S3TestServer(new S3StoreOptions
        {
            Endpoint = values["AWS_ENDPOINT_URL"],
            AccessKey = values["AWS_ACCESS_KEY_ID"],
            SecretKey = values["AWS_SECRET_ACCESS_KEY"],
            Region = values["AWS_REGION"],
            Provider = S3Provider.Generic,
            // The smallest legal part, so the multi-MB sample database really goes multipart.
            PartSizeBytes = S3StoreOptions.MinimumPartSize,
        }, Path.Combine(directory, "log", "client.rgw.a.log"));
    }
}
