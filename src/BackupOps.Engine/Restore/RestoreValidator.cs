using System.Globalization;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using Npgsql;

namespace BackupOps.Engine.Restore;

/// <summary>Checks a restored database against its manifest and the operator's expectations.</summary>
internal static class RestoreValidator
{
    public static async Task<List<RestoreCheck>> ValidateAsync(
        PgConnectionSettings target,
        BackupManifest? manifest,
        IReadOnlyList<string> criticalTables,
        IReadOnlyList<SmokeQuery> smokeQueries,
        CancellationToken cancellationToken)
    {
        var checks = new List<RestoreCheck>();
        await using var connection = await PgConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        var restored = await SchemaReader.ReadAsync(connection, [], cancellationToken).ConfigureAwait(false);

        if (manifest is null)
        {
            checks.Add(new RestoreCheck("schema", CheckOutcome.Warning, $"no manifest to compare with; restored {Describe(restored)}"));
        }
        else
        {
            var expected = manifest.Schema;
            var filtered = manifest.Options.IncludeTables.Count + manifest.Options.ExcludeTables.Count > 0;
            var same = expected.Tables == restored.Tables && expected.Views == restored.Views && expected.MaterializedViews == restored.MaterializedViews
                && expected.Sequences == restored.Sequences && expected.Functions == restored.Functions;
            checks.Add(new RestoreCheck(
                "schema",
                same ? CheckOutcome.Passed : filtered ? CheckOutcome.Warning : CheckOutcome.Failed,
                same ? Describe(restored) : $"expected {Describe(expected)}; restored {Describe(restored)}{(filtered ? " (the backup was filtered with include/exclude tables)" : string.Empty)}"));
        }

        var recorded = manifest?.Schema.TableRows.Where(t => t.ExactRows is not null).Select(t => t.Name) ?? [];
        foreach (var table in criticalTables.Concat(recorded).Distinct(StringComparer.Ordinal))
        {
            // "events" and "public.events" are one table: check it once.
            var check = await CheckTableAsync(connection, table, manifest, cancellationToken).ConfigureAwait(false);
            if (!checks.Exists(c => c.Name == check.Name))
            {
                checks.Add(check);
            }
        }

        foreach (var smoke in smokeQueries)
        {
            checks.Add(await RunSmokeAsync(connection, smoke, cancellationToken).ConfigureAwait(false));
        }

        return checks;
    }

    private static async Task<RestoreCheck> CheckTableAsync(NpgsqlConnection connection, string table, BackupManifest? manifest, CancellationToken cancellationToken)
    {
        string qualified;
        try
        {
            qualified = await SchemaReader.ResolveTableAsync(connection, table, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupOpsException)
        {
            return new RestoreCheck($"rows {table}", CheckOutcome.Failed, "table missing from the restored database");
        }

        var actual = await SchemaReader.CountRowsAsync(connection, qualified, cancellationToken).ConfigureAwait(false);
        var reference = manifest?.Schema.TableRows.FirstOrDefault(t => t.Name == qualified);
        if (reference?.ExactRows is { } exact)
        {
            return new RestoreCheck($"rows {qualified}", actual == exact ? CheckOutcome.Passed : CheckOutcome.Failed, $"expected {exact}, restored {actual}");
        }

        var estimate = reference is null ? "no count recorded" : $"estimate at backup {reference.EstimatedRows}";
        return new RestoreCheck($"rows {qualified}", CheckOutcome.Warning, $"restored {actual} rows; {estimate} (name the table with -CriticalTable at backup time to record an exact count)");
    }

    private static async Task<RestoreCheck> RunSmokeAsync(NpgsqlConnection connection, SmokeQuery smoke, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand(smoke.Sql, connection);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var problem = smoke.Evaluate(value);
            return new RestoreCheck($"smoke: {smoke.Text}", problem is null ? CheckOutcome.Passed : CheckOutcome.Failed, problem ?? $"got {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        }
        catch (PostgresException ex)
        {
            return new RestoreCheck($"smoke: {smoke.Text}", CheckOutcome.Failed, $"query failed ({ex.SqlState}): {ex.MessageText}");
        }
    }

    private static string Describe(SchemaSummary s) =>
        $"{s.Tables} tables, {s.Views} views, {s.MaterializedViews} materialized views, {s.Sequences} sequences, {s.Functions} functions";
}
