using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Wal;

/// <summary>The name base backups and WAL are filed under (<c>--cluster</c>): by default <c>&lt;host&gt;-&lt;port&gt;</c>, as Redis sources are.</summary>
public static class ClusterName
{
    /// <summary>The default name for a server.</summary>
    public static string Default(string host, int port) => $"{host}-{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Checks an operator-given name.</summary>
    public static string Validate(string? cluster)
    {
        if (string.IsNullOrWhiteSpace(cluster))
        {
            throw BackupOpsException.InvalidInput("ClusterMissing", "No cluster name was given. Pass -Cluster / --cluster NAME (the name 'wal push' archives under; default <host>-<port> of the connection).");
        }

        cluster = cluster.Trim();
        return cluster.Length <= 100 && cluster.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && cluster[0] != '.'
            ? cluster
            : throw BackupOpsException.InvalidInput("ClusterInvalid", $"'{cluster}' is not a usable -Cluster / --cluster name. Use up to 100 letters, digits, '-', '_' and '.', for example db1-5432.");
    }
}
