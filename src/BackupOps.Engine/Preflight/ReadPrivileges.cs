using System.Globalization;
using System.Text.RegularExpressions;
using BackupOps.Engine.Backup;
using Npgsql;

namespace BackupOps.Engine.Preflight;

/// <summary>
/// Whether the backup role can read what pg_dump will read: the data of every table and the value of every sequence
/// in the schemas it dumps (USAGE on the schema, SELECT on the relation). pg_dump locks and reads those; a role missing
/// one privilege makes the real backup fail after the dry run said ok. Views and materialized views are not checked:
/// pg_dump writes their definitions, never reads their rows. --table / --exclude-table narrow the set as pg_dump does
/// (a sequence owned by a selected table comes with it). Large objects are not checked.
/// </summary>
internal static class ReadPrivileges
{
    private const int Named = 5;

    private const string Sql = """
        SELECT n.nspname, c.relname, c.relkind = 'S',
               has_schema_privilege(n.oid, 'USAGE') AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') ELSE has_table_privilege(c.oid, 'SELECT') END,
               (SELECT tn.nspname || '.' || t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                 WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1),
               has_schema_privilege(n.oid, 'USAGE')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'S')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
        ORDER BY 1, 2
        """;

    /// <summary>The check's detail when every object is readable; throws a failure naming the first few objects and the fix otherwise.</summary>
    public static async Task<string> CheckAsync(NpgsqlConnection connection, PgBackupRequest request, CancellationToken cancellationToken)
    {
        var relations = new List<Relation>();
        var role = string.Empty;
        try
        {
            await using (var user = new NpgsqlCommand("SELECT current_user::text", connection))
            {
                role = (string)(await user.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            await using var command = new NpgsqlCommand(Sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                relations.Add(new Relation(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5)));
            }
        }
        catch (PostgresException ex)
        {
            // A table dropped while the catalog is read, for instance: the check is unproven, not passed.
            throw new Errors.BackupOpsException(Errors.BackupOpsErrorKind.OperationFailed, "PgReadPermissionUnchecked", $"The read privileges could not be checked: {Security.BoundedInput.Shown(ex.MessageText, 200)}. Run the dry run again.");
        }

        var include = request.IncludeTables.Select(Pattern).ToList();
        var exclude = request.ExcludeTables.Select(Pattern).ToList();
        bool Matches(List<Regex> patterns, string schema, string name) => patterns.Exists(p => p.IsMatch(name) || p.IsMatch(schema + "." + name));
        var dumped = relations.Where(r =>
            (include.Count == 0 || Matches(include, r.Schema, r.Name) || (r.OwnedBy is { } owner && include.Exists(p => p.IsMatch(owner) || p.IsMatch(owner[(owner.IndexOf('.', StringComparison.Ordinal) + 1)..]))))
            && !Matches(exclude, r.Schema, r.Name)).ToList();
        var unreadable = dumped.Where(r => !r.Readable).ToList();
        if (unreadable.Count == 0)
        {
            return $"role {role} can read all {dumped.Count.ToString(CultureInfo.InvariantCulture)} tables and sequences pg_dump will read";
        }

        var noUsage = unreadable.Where(r => !r.SchemaUsage).Select(r => r.Schema).Distinct(StringComparer.Ordinal).ToList();
        var shown = noUsage.Select(s => $"schema {Security.BoundedInput.Shown(s)} (no USAGE)")
            .Concat(unreadable.Where(r => r.SchemaUsage).Select(r => $"{(r.IsSequence ? "sequence" : "table")} {Security.BoundedInput.Shown(r.Schema + "." + r.Name)}"))
            .Take(Named).ToList();
        var schema = Security.BoundedInput.Shown(unreadable[0].Schema);
        var quotedRole = Security.BoundedInput.Shown(role);
        throw new Errors.BackupOpsException(
            Errors.BackupOpsErrorKind.OperationFailed,
            "PgReadPermissionDenied",
            $"role {quotedRole} cannot read {unreadable.Count.ToString(CultureInfo.InvariantCulture)} of the {dumped.Count.ToString(CultureInfo.InvariantCulture)} tables and sequences pg_dump will read: {string.Join(", ", shown)}{(unreadable.Count > shown.Count ? ", ..." : string.Empty)}. pg_dump would fail on the first. Grant it (GRANT USAGE ON SCHEMA {schema} TO {quotedRole}; GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {quotedRole}; GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quotedRole}), or back up as a role with pg_read_all_data.");
    }

    /// <summary>A pg_dump table pattern as a regex: * and ? are wildcards, unquoted letters fold to lower case, "quoted" keeps case.</summary>
    private static Regex Pattern(string pattern)
    {
        var text = new System.Text.StringBuilder("^");
        var quoted = false;
        foreach (var c in pattern)
        {
            if (c == '"')
            {
                quoted = !quoted;
                continue;
            }

            text.Append(quoted ? Regex.Escape(c.ToString()) : c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(char.ToLowerInvariant(c).ToString()),
            });
        }

        return new Regex(text.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private sealed record Relation(string Schema, string Name, bool IsSequence, bool Readable, string? OwnedBy, bool SchemaUsage);
}
