namespace BackupOps.Engine.Catalog;

/// <summary>A kind of backup and the top-level folder its backups live under in a store.</summary>
/// <param name="Name">The manifest's <c>kind</c>.</param>
/// <param name="Prefix">Top-level key prefix (<c>pg/</c>, <c>redis/</c>).</param>
public sealed record BackupKind(string Name, string Prefix)
{
    /// <summary>PostgreSQL dumps under <c>pg/</c>.</summary>
    public static BackupKind Postgres { get; } = new("postgresql", "pg/");

    /// <summary>Redis snapshots under <c>redis/</c>.</summary>
    public static BackupKind Redis { get; } = new("redis", "redis/");

    /// <summary>PostgreSQL base backups (physical, of a whole cluster) under <c>pgbase/</c>.</summary>
    public static BackupKind PostgresBase { get; } = new("postgresql-base", "pgbase/");
}
