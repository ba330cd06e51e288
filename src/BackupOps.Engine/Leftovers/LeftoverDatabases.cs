using System.Globalization;
using System.Text.RegularExpressions;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using Npgsql;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Leftovers;

/// <summary>A database an interrupted restore left on a server.</summary>
/// <param name="Name">Its name: <c>&lt;target&gt;_restoring_&lt;id&gt;</c> or <c>&lt;target&gt;_replaced_&lt;id&gt;</c>.</param>
/// <param name="Role"><c>restoring</c> (an unfinished restore) or <c>replaced</c> (the previous target).</param>
/// <param name="Server">host:port.</param>
/// <param name="SizeBytes">pg_database_size.</param>
/// <param name="CreatedUtc">When BackupOps made it (from its comment), when known.</param>
/// <param name="Comment">Its comment (BackupOps writes what it holds there).</param>
public sealed record LeftoverDatabase(string Name, string Role, string Server, long SizeBytes, DateTimeOffset? CreatedUtc, string? Comment)
{
    /// <summary>Sessions connected to it now (a restore still running has its pg_restore there): never dropped while in use.</summary>
    public int Sessions { get; init; }

    /// <summary>True when the restore that made it is still running on this machine (its comment names the process).</summary>
    public bool OwnerRunning { get; init; }

    /// <summary>True when it may be dropped now: BackupOps made it and nothing uses it.</summary>
    public bool Idle => Sessions == 0 && !OwnerRunning;

    /// <summary>
    /// True when BackupOps made it: its comment says so, or (a restore killed while CREATE DATABASE ran, before the
    /// comment) a run record in the store announced that name before creating it. Only those are ever dropped.
    /// </summary>
    public bool MadeByBackupOps => CreatedUtc is not null;

    /// <summary>True when it is known as BackupOps' from a run record rather than from its comment.</summary>
    public bool KnownFromRunRecord { get; init; }

    /// <summary>What it holds, for a person deciding what to do.</summary>
    public string Holds => Role == LeftoverDatabases.RestoringRole
        ? "an unfinished restore (incomplete or never validated): safe to drop"
        : "the previous contents of the target, replaced by a completed restore: drop it once the new database is confirmed";
}

/// <summary>
/// The databases a restore makes besides its target, named and commented so a person (and prune) knows what they hold:
/// <c>&lt;target&gt;_restoring_&lt;id&gt;</c> is filled and verified before the swap; <c>&lt;target&gt;_replaced_&lt;id&gt;</c> is
/// the old target moved aside by the swap, dropped right after. A kill between steps leaves one of them behind.
/// </summary>
public static partial class LeftoverDatabases
{
    /// <summary>Role of the database a restore fills.</summary>
    public const string RestoringRole = "restoring";

    /// <summary>Role of the old target moved aside.</summary>
    public const string ReplacedRole = "replaced";

    private const string CommentPrefix = "BackupOps leftover [";

    /// <summary>The scratch and replaced names for one restore into <paramref name="target"/> (within PostgreSQL's 63 bytes).</summary>
    public static (string Scratch, string Replaced) NamesFor(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var prefix = target;
        while (System.Text.Encoding.UTF8.GetByteCount(prefix) > 40)
        {
            prefix = prefix[..^1];
        }

        var id = Guid.NewGuid().ToString("N")[..6];
        return ($"{prefix}_{RestoringRole}_{id}", $"{prefix}_{ReplacedRole}_{id}");
    }

    /// <summary>The comment of a scratch database.</summary>
    public static string ScratchComment(string backupId, string? source, string target) =>
        $"{CommentPrefix}{Now()}]: unfinished restore of {backupId}{(source is null ? string.Empty : $" of '{source}'")} into '{target}' {Owner()}; never validated; safe to drop.";

    /// <summary>The comment of the old target moved aside.</summary>
    public static string ReplacedComment(string backupId, string target) =>
        $"{CommentPrefix}{Now()}]: the previous '{target}', replaced by the restore of {backupId} {Owner()}; drop it once the new '{target}' is confirmed.";

    /// <summary>The comment of a target after the swap: where its data came from.</summary>
    public static string RestoredComment(string backupId, string? source) =>
        $"Restored by BackupOps from {backupId}{(source is null ? string.Empty : $" of '{source}'")} at {Now()}.";

    /// <summary>
    /// The scratch and replaced database names restores announced in their run records (recorded before the database
    /// exists) and the time the run started, from runs that never finished: the proof of ownership for a leftover
    /// whose comment was never written.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, DateTimeOffset>> AnnouncedByRunsAsync(Stores.IBackupStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var keys = new List<string>();
        await foreach (var item in store.ListAsync($"{Health.RunTracker.Prefix}postgresql/", cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith("-restore-started.json", StringComparison.Ordinal) || item.Key.EndsWith("-restore-interrupted.json", StringComparison.Ordinal))
            {
                keys.Add(item.Key);
            }
        }

        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (await store.TryGetSmallAsync(key, cancellationToken).ConfigureAwait(false) is not { } bytes)
            {
                continue;
            }

            Health.RunRecord? record;
            try
            {
                record = System.Text.Json.JsonSerializer.Deserialize(bytes, Health.RunRecordJson.Options.Info<Health.RunRecord>());
            }
            catch (System.Text.Json.JsonException)
            {
                continue;
            }

            foreach (var detail in new[] { ScratchDetail, ReplacedDetail })
            {
                if (record?.Details?.GetValueOrDefault(detail) is { } name)
                {
                    result[name] = record.StartedUtc;
                }
            }
        }

        return result;
    }

    /// <summary>Run-record detail naming a restore's scratch database.</summary>
    public const string ScratchDetail = "scratchDatabase";

    /// <summary>Run-record detail naming the name the old target moves to.</summary>
    public const string ReplacedDetail = "replacedDatabase";

    /// <summary>The leftovers on a server (of one target, or all); <paramref name="announced"/> from <see cref="AnnouncedByRunsAsync"/>.</summary>
    public static async Task<IReadOnlyList<LeftoverDatabase>> ListAsync(PgConnectionSettings server, string? target, IReadOnlyDictionary<string, DateTimeOffset>? announced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        await using var admin = await PgConnector.OpenAsync(server.WithDatabase("postgres"), cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT d.datname, shobj_description(d.oid, 'pg_database'), CASE WHEN d.datallowconn THEN pg_database_size(d.oid) ELSE 0 END,
                   (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname)::int
            FROM pg_database d WHERE d.datname ~ '_(restoring|replaced)_[0-9a-f]{6}$' ORDER BY d.datname
            """, admin);
        var result = new List<LeftoverDatabase>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var match = NamePattern().Match(name);
            if (!match.Success || (target is not null && name[..match.Index] != Stem(target)))
            {
                continue;
            }

            if (reader.IsDBNull(2))
            {
                // pg_database_size is null when the database has no files (dropped while this query ran, as a concurrent
                // restore's swap does): not a leftover to report or drop. Read as a number, it made prune fail with
                // UnexpectedError ("Column 'case' is null"), seen in a full test run with restores in parallel.
                continue;
            }

            var comment = reader.IsDBNull(1) ? null : reader.GetString(1);
            DateTimeOffset? created = null;
            if (comment is not null && comment.StartsWith(CommentPrefix, StringComparison.Ordinal)
                && DateTimeOffset.TryParse(comment[CommentPrefix.Length..comment.IndexOf(']', StringComparison.Ordinal)], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                created = at;
            }

            var known = created is null && announced is not null && announced.ContainsKey(name);
            if (known)
            {
                created = announced![name];
            }

            var owner = comment is null ? Match.Empty : OwnerPattern().Match(comment);
            var running = owner.Success && owner.Groups["host"].Value == Environment.MachineName
                && int.TryParse(owner.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsRunning(pid);
            result.Add(new LeftoverDatabase(name, match.Groups["role"].Value, $"{server.Host}:{server.Port}", reader.GetInt64(2), created, comment) { Sessions = reader.GetInt32(3), OwnerRunning = running, KnownFromRunRecord = known });
        }

        return result;
    }

    /// <summary>Drops a leftover BackupOps made (never one without its comment).</summary>
    public static async Task DropAsync(PgConnectionSettings server, LeftoverDatabase leftover, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leftover);
        if (!leftover.MadeByBackupOps)
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "LeftoverNotOurs", $"{leftover.Name} is named like a BackupOps leftover but lacks BackupOps' comment; it is left alone. Drop it yourself if it is yours to drop.") { Target = leftover.Name };
        }

        await new Restore.TargetDatabase(server, leftover.Name).DropAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One line for an operator.</summary>
    public static string Describe(LeftoverDatabase leftover)
    {
        ArgumentNullException.ThrowIfNull(leftover);
        var made = leftover.MadeByBackupOps ? $"made {leftover.CreatedUtc:yyyy-MM-dd HH:mm} UTC{(leftover.KnownFromRunRecord ? " (named in a run record; killed before its comment)" : string.Empty)}{(leftover.Idle ? string.Empty : ", in use now")}" : "not known as BackupOps': not removed automatically";
        return $"{leftover.Name} on {leftover.Server} ({leftover.SizeBytes / 1048576.0:0.0} MiB, {made}): {leftover.Holds}";
    }

    // The target name as the leftover names carry it (cut to stay within PostgreSQL's 63-byte names).
    private static string Stem(string target)
    {
        var (scratch, _) = NamesFor(target);
        return scratch[..scratch.LastIndexOf('_' + RestoringRole + '_', StringComparison.Ordinal)];
    }

    private static string Owner() => $"by {Environment.MachineName} (pid {Environment.ProcessId})";

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("_(?<role>restoring|replaced)_[0-9a-f]{6}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@" by (?<host>\S+) \(pid (?<pid>\d+)\)")]
    private static partial Regex OwnerPattern();
}
