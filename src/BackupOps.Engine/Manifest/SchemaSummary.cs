namespace BackupOps.Engine.Manifest;

/// <summary>Counts of a database's user objects (system schemas and extension members excluded).</summary>
public sealed record SchemaSummary
{
    /// <summary>Ordinary and partitioned tables.</summary>
    public int Tables { get; init; }

    /// <summary>Views.</summary>
    public int Views { get; init; }

    /// <summary>Materialized views.</summary>
    public int MaterializedViews { get; init; }

    /// <summary>Sequences.</summary>
    public int Sequences { get; init; }

    /// <summary>Functions and procedures.</summary>
    public int Functions { get; init; }

    /// <summary>Per-table row estimates (and exact counts for critical tables).</summary>
    public IReadOnlyList<TableRowInfo> TableRows { get; set; } = [];
}

/// <summary>One table's row numbers.</summary>
/// <param name="Name">Qualified name, <c>schema.table</c>.</param>
/// <param name="EstimatedRows">The planner's estimate (pg_class.reltuples; -1 when never analysed).</param>
/// <param name="ExactRows">COUNT(*) in the dump's snapshot, for tables named critical at backup time.</param>
/// <param name="Bytes">pg_table_size at backup time (null in manifests written before it was recorded); a parallel restore balances its workers by it.</param>
public sealed record TableRowInfo(string Name, long EstimatedRows, long? ExactRows, long? Bytes = null);
