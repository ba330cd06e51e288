using System.Globalization;
using System.Text;

namespace BackupOps.Bench;

/// <summary>The <c>issue16</c> mode's command line, and its estimate of how long a run takes on the 2-core machine.</summary>
internal sealed record Issue16Options
{
    public const string Usage = "issue16 [--size-mb N]... [--runs N] [--large-runs N] [--no-warmup] [--memory-size-mb N]... [--catalog 10,100,1000] [--catalog-runs N] [--fixed-runs N] [--rgw-memory-gb N] [--output DIR] [--update-doc FILE] [--estimate]";

    public List<int> Sizes { get; } = [];

    /// <summary>Measured runs per dataset smaller than 1 GB.</summary>
    public int Runs { get; private set; } = 3;

    /// <summary>Measured runs per dataset of 1 GB and more (a 1 GB round is ~3 minutes here).</summary>
    public int LargeRuns { get; private set; } = 1;

    public bool Warmup { get; private set; } = true;

    /// <summary>Datasets measured only for the RGW backup's peak RSS: one run, no warm-up.</summary>
    public List<int> MemorySizes { get; } = [];

    public List<int> Catalog { get; private set; } = [10, 100, 1000];

    public int CatalogRuns { get; private set; } = 3;

    public int FixedRuns { get; private set; } = 5;

    public long RgwMemoryBytes { get; private set; } = 16L << 30;

    public string Output { get; private set; } = Path.Combine("bench", "results");

    public string? UpdateDoc { get; private set; }

    public bool EstimateOnly { get; private set; }

    /// <summary>The arguments as given, for the report.</summary>
    public string CommandLine { get; private set; } = string.Empty;

    public int RunsFor(int size) => size >= 1024 ? LargeRuns : Runs;

    public static Issue16Options? Parse(string[] args)
    {
        var o = new Issue16Options { CommandLine = string.Join(' ', args) };
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                int Int() => int.Parse(args[++i], CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--size-mb": o.Sizes.Add(Int()); break;
                    case "--runs": o.Runs = Int(); break;
                    case "--large-runs": o.LargeRuns = Int(); break;
                    case "--no-warmup": o.Warmup = false; break;
                    case "--memory-size-mb": o.MemorySizes.Add(Int()); break;
                    case "--catalog": o.Catalog = [.. args[++i].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]; break;
                    case "--catalog-runs": o.CatalogRuns = Int(); break;
                    case "--fixed-runs": o.FixedRuns = Int(); break;
                    case "--rgw-memory-gb": o.RgwMemoryBytes = (long)Int() << 30; break;
                    case "--output": o.Output = args[++i]; break;
                    case "--update-doc": o.UpdateDoc = Path.GetFullPath(args[++i]); break;
                    case "--estimate": o.EstimateOnly = true; break;
                    default: throw new FormatException($"unknown argument {args[i]}");
                }
            }
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            Console.Error.WriteLine($"{e.Message}; usage: {Usage}");
            return null;
        }

        if (o.Sizes.Count == 0)
        {
            o.Sizes.AddRange([256, 1024]);
        }

        if (o.Runs < 1 || o.LargeRuns < 1 || o.CatalogRuns < 1 || o.FixedRuns < 1 || o.Catalog.Count == 0 || o.Sizes.Concat(o.MemorySizes).Any(s => s < 1))
        {
            Console.Error.WriteLine($"runs, sizes and catalog sizes must be at least 1; usage: {Usage}");
            return null;
        }

        o.Sizes.Sort();
        o.MemorySizes.Sort();
        return o;
    }

    /// <summary>
    /// Seconds each section should take on this 2-core machine when it is quiet, from the recorded runs' timings
    /// (1 GB: one round of the logical rows ~175 s, of the pgBackRest rows ~55 s of which ~25 s are its fixed waits for
    /// checkpoints, archiving and server start, generation ~110 s). A guide for
    /// booking the exclusive window, printed at the start and kept next to the measured durations.
    /// </summary>
    public Dictionary<string, double> Estimate()
    {
        var estimate = new Dictionary<string, double> { ["publish and start servers"] = 90 };
        var rounds = (int size) => RunsFor(size) + (Warmup ? 1 : 0);
        foreach (var size in Sizes)
        {
            var gb = size / 1024.0;
            estimate[$"{size} MB: generate"] = 5 + (110 * gb);
            estimate[$"{size} MB: pgBackRest"] = 5 + (rounds(size) * (25 + (30 * gb)));
            estimate[$"{size} MB: logical"] = rounds(size) * (12 + (175 * gb));
        }

        estimate["fixed cost"] = 5 + ((FixedRuns + (Warmup ? 1 : 0)) * 7 * 0.6);
        estimate["catalog"] = Catalog.Sum(c => 2 + (0.02 * c) + ((CatalogRuns + 1) * (4.0 + (0.013 * c))));
        foreach (var size in MemorySizes)
        {
            estimate[$"{size} MB: memory only"] = 10 + (size / 1024.0 * (110 + 15));
        }

        return estimate;
    }

    public static string Format(double seconds) => seconds < 90 ? $"{seconds:0} s" : $"{seconds / 60:0.0} min";

    public string EstimateText()
    {
        var estimate = Estimate();
        var text = new StringBuilder("estimated duration on a quiet 2-core machine:\n");
        foreach (var (section, seconds) in estimate)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {section}: {Format(seconds)}\n");
        }

        return text.Append(CultureInfo.InvariantCulture, $"  total: {Format(estimate.Values.Sum())}").ToString();
    }
}
