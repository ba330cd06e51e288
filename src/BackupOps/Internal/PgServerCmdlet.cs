using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>Base of cmdlets that connect to a PostgreSQL server: the connection string and credential parameters.</summary>
public abstract class PgServerCmdlet : ReportingStoreCmdlet
{
    /// <summary>
    /// <para type="description">PostgreSQL connection: postgresql://user@host:5432/db or key=value pairs, without a password (one here is refused: use -Credential, PGPASSWORD or ~/.pgpass). Default: DATABASE_URL. Invoke-PgBackup needs the database named (else PGDATABASE); Restore-PgBackup uses its server; the database comes from -TargetDatabase.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DatabaseUrl")]
    public string? ConnectionString { get; set; }

    /// <summary>
    /// <para type="description">User and password for PostgreSQL; overrides the connection string's. Default: PGPASSWORD or ~/.pgpass.</para>
    /// </summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }
}
