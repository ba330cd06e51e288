using System.Text.RegularExpressions;
using Amazon.S3;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// Counts the requests the test RGW itself logged (its beast access lines), so a test of another process (the CLI,
/// pwsh) can prove how many objects it read without a mock or a hook in the product. The log is written by Ceph's log
/// thread a moment after each request: <see cref="ReadSinceAsync"/> first sends a marker request of its own and waits
/// until the marker's line is there, so every request that finished before it is in the log too (no sleeps).
/// </summary>
public sealed partial class RgwRequestLog
{
    private readonly string _path;
    private readonly long _start;

    private RgwRequestLog(string path)
    {
        _path = path;
        _start = new FileInfo(path).Length;
    }

    /// <summary>Starts counting from now. Fails loudly on an external S3 server, whose log the tests cannot read.</summary>
    public static RgwRequestLog Begin(S3TestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new RgwRequestLog(server.RequestLogPath ?? throw new InvalidOperationException("This test counts requests in the test RGW's own log; it cannot run against BACKUPOPS_TEST_S3_ENDPOINT. Unset it to use tests/servers/rgw.sh."));
    }

    /// <summary>The request lines ("GET /bucket/key") logged since <see cref="Begin"/>, for <paramref name="bucket"/>.</summary>
    public async Task<IReadOnlyList<string>> ReadSinceAsync(S3TestServer server, string bucket)
    {
        ArgumentNullException.ThrowIfNull(server);
        var marker = $"request-log-marker-{Guid.NewGuid():N}";
        using (var client = server.CreateClient())
        {
            try
            {
                await client.GetObjectMetadataAsync(bucket, marker);
            }
            catch (AmazonS3Exception)
            {
                // 404, as meant: the request is logged all the same.
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var lines = ReadNew();
            if (lines.Any(l => l.Contains(marker, StringComparison.Ordinal)))
            {
                return [.. lines.Select(l => RequestLine().Match(l)).Where(m => m.Success && m.Groups["path"].Value.StartsWith($"/{bucket}/", StringComparison.Ordinal) && !m.Groups["path"].Value.Contains(marker, StringComparison.Ordinal)).Select(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value}")];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The RGW log {_path} did not show the marker request within 30 s; request counts cannot be read from it.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>How many GETs of manifests (<c>*.manifest.json</c>) the lines hold.</summary>
    public static int ManifestGets(IEnumerable<string> lines) => lines.Count(l => l.StartsWith("GET ", StringComparison.Ordinal) && l.Split('?')[0].EndsWith(".manifest.json", StringComparison.Ordinal));

    private List<string> ReadNew()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    [GeneratedRegex("\"(?<method>[A-Z]+) (?<path>\\S+) HTTP/1\\.1\"")]
    private static partial Regex RequestLine();
}
