
namespace BackupOps.Bench;

/// <summary>One scenario's measured runs, the Ceph daemons' CPU during each, and the bytes it wrote (last run).</summary>
internal sealed record RowResult(Scenario Scenario, List<Measurement> Runs, List<double> RgwCpu, long? OutputBytes)
{
    public string Name => Scenario.Name;

    public double Wall => BenchUtil.Median(Runs.Select(r => r.WallSeconds));

    public double Cpu => BenchUtil.Median(Runs.Select(r => r.CpuSeconds));

    public double RgwCpuSeconds => BenchUtil.Median(RgwCpu);

    public double PeakRssMb => Runs.Count == 0 ? double.NaN : Runs.Max(r => r.PeakRssKb) / 1024.0;

    public double WallMin => Runs.Min(r => r.WallSeconds);

    public double WallMax => Runs.Max(r => r.WallSeconds);
}

/// <summary>
/// Runs scenarios interleaved: round by round, every scenario once per round in its order (so restores read what the
/// same round's backups wrote, and drift of the machine hits every row alike), the first round a warm-up when asked.
/// </summary>
internal static class ScenarioRunner
{
    /// <summary>A <see cref="Scenario.SizeOf"/> of <c>@s3 PREFIX</c> sums the dump objects under that prefix of the benchmark bucket.</summary>
    public static async Task<List<RowResult>> RunAsync(BenchSession session, IReadOnlyList<Scenario> scenarios, int runs, bool warmup, string label)
    {
        var rows = scenarios.Select(sc => new RowResult(sc, [], [], null)).ToList();
        var rounds = runs + (warmup ? 1 : 0);
        for (var round = 0; round < rounds; round++)
        {
            var measured = !warmup || round > 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var (name, _, command, before, _, sizeOf) = rows[i].Scenario;
                if (before is not null && before.StartsWith("@empty ", StringComparison.Ordinal))
                {
                    await S3Cleanup.EmptyPrefixAsync(session.S3, BenchSession.Bucket, before["@empty ".Length..]);
                }
                else if (before is not null)
                {
                    Measure.Shell(before, session.Env);
                }

                Console.Error.WriteLine($"{label}: {name} {(measured ? $"run {round + (warmup ? 0 : 1)}/{runs}" : "warm-up")}");
                var rgwBefore = BenchUtil.RgwCpuSeconds(session.RgwDir);
                var m = Measure.Run(command, session.Env);
                var rgwCpu = BenchUtil.RgwCpuSeconds(session.RgwDir) - rgwBefore;
                if (measured)
                {
                    rows[i].Runs.Add(m);
                    rows[i].RgwCpu.Add(rgwCpu);
                }

                if (round == rounds - 1 && sizeOf is not null)
                {
                    rows[i] = rows[i] with { OutputBytes = sizeOf.StartsWith("@s3 ", StringComparison.Ordinal) ? await S3Cleanup.SizeOfPrefixAsync(session.S3, BenchSession.Bucket, sizeOf["@s3 ".Length..]) : BenchUtil.SizeOf(sizeOf, sizeOf.Contains("pgbackrest", StringComparison.Ordinal) ? "*" : "*.dump*") };
                }
            }
        }

        return rows;
    }
}
