using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Stores;

namespace BackupOps.Bench;

/// <summary>
/// How <c>status</c> and <c>pg list --latest</c> grow with the catalog: catalogs of 10, 100 and 1,000 backups of the
/// tiny database on RGW, made by copying one real backup under new ids (data object copied, manifest rewritten for
/// its id), then each command timed as a whole process; a full <c>pg list</c> also by the time to its first row.
/// </summary>
internal static partial class CatalogScaling
{
    public static async Task<List<CatalogPoint>> RunAsync(S3StoreOptions options, string bucket, string backupOps, string tinyUrl, IDictionary<string, string> env, IReadOnlyList<int> counts, int runs)
    {
        var storeRoot = $"s3://{bucket}";
        // --limit and streamed output are newer than some builds this measures: ask the build, never assume.
        var help = Measure.Capture($"{backupOps} pg list --help", env);
        var hasLimit = help.Contains("--limit", StringComparison.Ordinal);
        Console.Error.WriteLine($"catalog: seeding ... (pg list --limit {(hasLimit ? "supported" : "not in this build")})");
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

        var points = new List<CatalogPoint>();
        var start = DateTime.UtcNow.AddDays(-30);
        foreach (var count in counts)
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
            var load = BenchUtil.LoadAverage();
            var status = Time($"{backupOps} status --store {store} > /dev/null; test $? -le 1", env, runs, $"catalog {count}: status");
            var latest = Time($"{backupOps} pg list --store {store} --latest > /dev/null", env, runs, $"catalog {count}: pg list --latest");
            var all = Time($"{backupOps} pg list --store {store} > /dev/null", env, runs, $"catalog {count}: pg list");
            var limited = hasLimit ? Time($"{backupOps} pg list --store {store} --limit 20 > /dev/null", env, runs, $"catalog {count}: pg list --limit 20") : null;
            var firstRow = new List<double>();
            for (var run = 0; run <= runs; run++)
            {
                Console.Error.WriteLine($"catalog {count}: pg list, time to first row #{run}");
                var seconds = Measure.FirstMatchingLine($"{backupOps} pg list --store {store}", env, IdPattern());
                if (run > 0)
                {
                    firstRow.Add(seconds);
                }
            }

            points.Add(new CatalogPoint(count, load, status, latest, all, limited, firstRow));
        }

        return points;
    }

    /// <summary>The catalog table: one column per catalog size, and the growth per 100 backups from the smallest to the largest.</summary>
    public static void AppendTable(StringBuilder report, IReadOnlyList<CatalogPoint> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        var (first, last) = (points[0], points[^1]);
        string Growth(Func<CatalogPoint, double> pick) => last.Count == first.Count ? "" : $"{(pick(last) - pick(first)) * 100 / (last.Count - first.Count):+0.000;-0.000;0.000} s";
        report.Append("| Catalog on RGW (one-table backups) | ").AppendJoin(" | ", points.Select(p => p.Count.ToString("N0", CultureInfo.InvariantCulture))).Append(" | growth per 100 |\n|").Append(string.Concat(Enumerable.Repeat(" --- |", points.Count + 2))).Append('\n');
        void Row(string label, Func<CatalogPoint, IReadOnlyList<Measurement>?> pick, bool rss = false)
        {
            if (points.Any(p => pick(p) is null))
            {
                report.Append(CultureInfo.InvariantCulture, $"| {label} | ").AppendJoin(" | ", points.Select(_ => "not in this build")).Append(" | |\n");
                return;
            }

            report.Append(CultureInfo.InvariantCulture, $"| {label} | ").AppendJoin(" | ", points.Select(p => rss ? $"{pick(p)!.Max(m => m.PeakRssKb) / 1024.0:0}" : Format(pick(p)!.Select(m => m.WallSeconds).ToList())))
                .Append(CultureInfo.InvariantCulture, $" | {(rss ? "" : Growth(p => BenchUtil.Median(pick(p)!.Select(m => m.WallSeconds))))} |\n");
        }

        Row("`status` wall s", p => p.Status);
        Row("`pg list --latest` wall s", p => p.Latest);
        Row("`pg list --limit 20` wall s", p => p.Limited);
        Row("`pg list` (every backup) wall s", p => p.All);
        report.Append("| `pg list` (every backup): first row after s | ").AppendJoin(" | ", points.Select(p => Format(p.FirstRowSeconds))).Append(CultureInfo.InvariantCulture, $" | {Growth(p => BenchUtil.Median(p.FirstRowSeconds))} |\n");
        Row("`status` peak RSS MB", p => p.Status, rss: true);
        Row("`pg list` (every backup) peak RSS MB", p => p.All, rss: true);
        report.Append("\nLoad average (1/5/15 min) before each catalog size: ").AppendJoin("; ", points.Select(p => $"{p.Count:N0}: {p.Load}")).Append(".\n\n");
    }

    private static string Format(List<double> walls) => walls.Count == 0 ? "" : walls.Count == 1 ? $"{walls[0]:0.00}" : $"{BenchUtil.Median(walls):0.00} ({walls.Min():0.00}–{walls.Max():0.00})";

    [System.Text.RegularExpressions.GeneratedRegex(@"\d{8}T\d{6}")]
    private static partial System.Text.RegularExpressions.Regex IdPattern();

    private static List<Measurement> Time(string command, IDictionary<string, string> env, int runs, string label)
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

        return measured;
    }
}

/// <summary>One catalog size: the load before it, each command's measured runs (<see cref="Limited"/> null when the build has no <c>--limit</c>), and the seconds to the first row of a full listing.</summary>
internal sealed record CatalogPoint(int Count, string Load, List<Measurement> Status, List<Measurement> Latest, List<Measurement> All, List<Measurement>? Limited, List<double> FirstRowSeconds);
