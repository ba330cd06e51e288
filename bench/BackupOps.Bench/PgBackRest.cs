using System.Globalization;
using BackupOps.Engine.Drill;

namespace BackupOps.Bench;

/// <summary>
/// pgBackRest (Debian's <c>pgbackrest</c>, 2.45 here) as the benchmark's physical-backup peer of a disposable
/// PostgreSQL: a posix repository in the session's folder (its S3 client needs TLS, which the test RGW does not serve),
/// stanza <c>bench</c>, level 1, and the shell commands the PITR and issue #16 modes measure.
/// </summary>
internal sealed class PgBackRest
{
    private PgBackRest(string folder, string command) => (Folder, Command) = (folder, command);

    /// <summary>The configuration, lock and spool folder; the repository is <c>repo</c> inside it.</summary>
    public string Folder { get; }

    /// <summary><c>pgbackrest --config=… --stanza=bench</c>: add the command and its options.</summary>
    public string Command { get; }

    public string Repository => Path.Combine(Folder, "repo");

    /// <summary>The <c>archive_command</c> that archives into this repository.</summary>
    public string ArchivePush => $"{Command} archive-push %p";

    /// <summary>Writes the configuration for <paramref name="pg"/> (extra <c>[global]</c> lines in <paramref name="global"/>).</summary>
    public static async Task<PgBackRest> CreateAsync(string work, DisposablePostgres pg, string compressType = "zst", string global = "")
    {
        var folder = Path.Combine(work, "pgbackrest");
        Directory.CreateDirectory(folder);
        var data = Path.Combine(pg.Root, "data");
        await File.WriteAllTextAsync(Path.Combine(folder, "pgbackrest.conf"), $"[global]\nrepo1-path={folder}/repo\ncompress-type={compressType}\ncompress-level=1\nlog-level-console=warn\nlog-level-file=off\nlock-path={folder}/lock\nspool-path={folder}/spool\nstart-fast=y\n{global}\n[bench]\npg1-path={data}\npg1-port={pg.Port}\npg1-socket-path={pg.SocketDirectory}\n");
        Measure.Shell(Environment.UserName == "root" ? $"chown -R postgres:postgres {folder}" : "true", new Dictionary<string, string>());
        return new PgBackRest(folder, $"pgbackrest --config={folder}/pgbackrest.conf --stanza=bench");
    }

    /// <summary>pgBackRest's version line, for the report.</summary>
    public static string Version() => Measure.Capture("pgbackrest version", new Dictionary<string, string>()).Trim();

    /// <summary>Shell that sets <c>archive_command</c> on <paramref name="pg"/> with ALTER SYSTEM and reloads (a <c>-c</c> on the server's command line would win over it).</summary>
    public static string SetArchiveCommand(DisposablePostgres pg, string command)
    {
        var psql = $"{BenchSession.Bin}/psql -X -q -At -h {pg.SocketDirectory} -p {pg.Port} -U postgres -d postgres";
        return $"{psql} -c \"ALTER SYSTEM SET archive_command = '{command.Replace("'", "''", StringComparison.Ordinal)}'\" && {psql} -c \"SELECT pg_reload_conf()\"";
    }

    public string StanzaCreate() => BenchUtil.AsPostgres($"{Command} stanza-create");

    /// <summary>A full backup (<paramref name="options"/>, e.g. <c>--compress-type=lz4</c>, override the configuration).</summary>
    public string FullBackup(string options = "") => BenchUtil.AsPostgres($"{Command} backup --type=full {options}".TrimEnd());

    /// <summary>
    /// Nothing to a queryable server: restore the latest backup into <paramref name="target"/>, start it on
    /// <paramref name="port"/>, wait until recovery has ended and <paramref name="check"/> (SQL returning true) holds in
    /// <paramref name="database"/>, then stop it.
    /// </summary>
    public string RestoreToQueryable(string target, int port, string database, string check)
    {
        var bin = BenchSession.Bin;
        var p = port.ToString(CultureInfo.InvariantCulture);
        return BenchUtil.AsPostgres($"{Command} restore --pg1-path={target} --archive-mode=off --type=default && {bin}/pg_ctl -D {target} -o \"-p {p} -c unix_socket_directories={target}\" -l {target}/log -w -t 600 start > /dev/null && until [ \"$({bin}/psql -X -At -h {target} -p {p} -U postgres -d {database} -c \"SELECT NOT pg_is_in_recovery() AND ({check})\" 2>/dev/null)\" = t ]; do sleep 0.1; done; {bin}/pg_ctl -D {target} -m immediate stop > /dev/null");
    }
}
