using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Bench;

/// <summary>
/// How <c>status</c> and <c>pg list --latest</c> grow with the catalog: catalogs of 10, 100 and 1,000 backups of the
/// tiny database on RGW, made by copying one real backup under new ids (data object copied server-side, manifest
/// rewritten for its id), then each command timed as a whole process.
/// </summary>
internal static class CatalogScaling
{
    private static readonly int[] Counts = [10, 100, 1000];

    public static async Task RunAsync(StringBuilder report, S3StoreOptions options, string bucket, string backupOps, string storeRoot, string url, string dir, IDictionary<string, string> env, int runs)
    {
        var tinyUrl = url[..url.LastIndexOf('/')] + "/bench_tiny";
        Console.Error.WriteLine("catalog: seeding ...");
        Measure.Shell($"{backupOps} pg backup --database-url {tinyUrl} --store {storeRoot}/cat-seed", env);
        using var client = new AmazonS3Client(options.AccessKey, options.SecretKey, new AmazonS3Config { ServiceURL = options.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED, ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED });
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "cat-seed/pg/" });
        var manifestKey = listing.S3Objects.Single(o => o.Key.EndsWith(".manifest.json", StringComparison.Ordinal)).Key;
        string manifest;
        using (var response = await client.GetObjectAsync(bucket, manifestKey))
        using (var reader = new StreamReader(response.ResponseStream))
        {
            manifest = await reader.ReadToEndAsync();
        }

        var seedId = Path.GetFileName(manifestKey)[..^".manifest.json".Length];
        var dataKey = listing.S3Objects.Single(o => o.Key != manifestKey && o.Key.Contains(seedId, StringComparison.Ordinal)).Key;
        var dataSuffix = Path.GetFileName(dataKey)[seedId.Length..];
        var folder = Path.GetDirectoryName(dataKey)!["cat-seed/".Length..];
        byte[] data;
        using (var response = await client.GetObjectAsync(bucket, dataKey))
        using (var copy = new MemoryStream())
        {
            await response.ResponseStream.CopyToAsync(copy);
            data = copy.ToArray();
        }

        report.Append(CultureInfo.InvariantCulture, $"## Catalog scaling (RGW, backups of a one-table database)\n\nLoad average before: {File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => a + " " + b)}.\n\n| Stored backups | `status` wall s | `pg list --latest` wall s | `pg list` (all) wall s | status peak RSS MB |\n| --- | --- | --- | --- | --- |\n");
        var start = DateTime.UtcNow.AddDays(-30);
        foreach (var count in Counts)
        {
            var prefix = $"cat{count}/";
            using (var gate = new SemaphoreSlim(8))
            {
                await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        var id = start.AddMinutes(i * 15).ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + i.ToString("x6", CultureInfo.InvariantCulture);
                        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}{folder}/{id}{dataSuffix}", InputStream = new MemoryStream(data) });
                        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}{folder}/{id}.manifest.json", ContentBody = manifest.Replace(seedId, id, StringComparison.Ordinal) });
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            var store = $"{storeRoot}/cat{count}";
            var status = Time($"{backupOps} status --store {store} > /dev/null; test $? -le 1", env, runs, $"catalog {count}: status");
            var latest = Time($"{backupOps} pg list --store {store} --latest > /dev/null", env, runs, $"catalog {count}: pg list --latest");
            var all = Time($"{backupOps} pg list --store {store} > /dev/null", env, runs, $"catalog {count}: pg list");
            report.Append(CultureInfo.InvariantCulture, $"| {count} | {status.Wall} | {latest.Wall} | {all.Wall} | {status.Rss:0} |\n");
        }

        report.Append('\n');
    }

    private static (string Wall, double Rss) Time(string command, IDictionary<string, string> env, int runs, string label)
    {
        var measured = new List<Measurement>();
        for (var run = 0; run <= runs; run++)
        {
            Console.Error.WriteLine($"{label} #{run}");
            var m = Measure.Run(command, env);
            if (run > 0)
            {
                measured.Add(m);
            }
        }

        var walls = measured.Select(m => m.WallSeconds).ToList();
        return ($"{BenchUtil.Median(walls):0.00} ({walls.Min():0.00}–{walls.Max():0.00})", measured.Max(m => m.PeakRssKb) / 1024.0);
    }
}
