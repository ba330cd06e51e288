using System.CommandLine;
using System.Globalization;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Wal;

namespace BackupOps.Cli.Commands;

/// <summary>The WAL archive part of <c>backupops status</c>: RPO right now, archiver failures, spool, recoverable window.</summary>
internal sealed class WalStatusOptions
{
    private readonly Option<double> _maxAge = new("--wal-max-age-minutes") { Description = "A newest archived WAL segment older than this is Stale: the RPO (the seed: 15).", DefaultValueFactory = _ => WalStatusEngine.DefaultMaxAge.TotalMinutes };
    private readonly Option<string[]> _clusters = new("--cluster") { Description = "Report these WAL archives (default: every archive in the store); repeatable." };
    private readonly Option<string?> _server = new("--database-url") { Description = "Also list the databases interrupted restores left on this server, and with one --cluster read pg_stat_archiver from it (archive failures). Not read from DATABASE_URL." };
    private readonly Option<string?> _spool = new("--spool-dir") { Description = "With one --cluster: also check the async spool (not draining, worker failing)." };

    /// <summary>The server option, which status also uses for leftover restore databases.</summary>
    public Option<string?> Server => _server;

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _maxAge, _clusters, _server, _spool })
        {
            command.Options.Add(option);
        }
    }

    public Task<IReadOnlyList<WalArchiveStatus>> GetAsync(ParseResult result, IBackupStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var server = result.GetValue(_server) is { Length: > 0 } url ? OptionSecrets.Pg(url, "--database-url", environmentVariable: null) : null;
        var clusters = (result.GetValue(_clusters) ?? []).Select(ClusterName.Validate).ToList();
        return WalStatusEngine.GetAsync(store, clusters, TimeSpan.FromMinutes(result.GetValue(_maxAge)), server, result.GetValue(_spool), now, cancellationToken);
    }

    public static void Print(IReadOnlyList<WalArchiveStatus> archives)
    {
        if (archives.Count == 0)
        {
            return;
        }

        Console.Out.WriteLine();
        Console.Out.WriteLine($"{"WAL ARCHIVE",-24} {"STATUS",-8} {"LAST SEGMENT",-24} {"RPO",9}  RECOVERABLE WINDOW (UTC)");
        foreach (var a in archives)
        {
            var rpo = a.Rpo is { } r ? (r.TotalMinutes >= 120 ? $"{r.TotalHours:0.0} h" : r.TotalSeconds >= 120 ? $"{r.TotalMinutes:0.0} min" : $"{r.TotalSeconds:0} s") : "-";
            var window = a.RecoverableFromUtc is { } from ? $"{from:yyyy-MM-dd HH:mm:ss} .. {a.RecoverableToUtc:yyyy-MM-dd HH:mm:ss}" : "-";
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Cluster,-24} {a.State,-8} {a.LastSegment ?? "-",-24} {rpo,9}  {window}"));
            foreach (var problem in a.Problems)
            {
                Console.Out.WriteLine($"  {problem}");
            }
        }
    }
}
