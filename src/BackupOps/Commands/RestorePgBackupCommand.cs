using System.Management.Automation;
using BackupOps.Engine.Restore;
using BackupOps.Completion;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Restores a PostgreSQL backup into a database after verifying its SHA-256, then validates it.</para>
/// <para type="description">The target is created when missing. A non-empty target is refused unless -Force (after confirmation, the verified restore is then swapped in and the old database dropped). One target takes one backup per pipeline: a second backup piped to the same target is refused, so Get-PgBackup -Latest over a store of several databases cannot overwrite one restore with another. A backup whose bytes do not match the manifest is refused before the target is touched. Validation compares schema counts with the manifest, exact row counts of critical tables, and runs smoke queries.</para>
/// </summary>
[Cmdlet(VerbsData.Restore, "PgBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ById)]
[OutputType(typeof(PgRestoreResult))]
public sealed class RestorePgBackupCommand : PgServerCmdlet
{
    private const string ById = "ById";
    private const string LatestSet = "Latest";
    private const string FromPath = "FromPath";

    /// <summary>
    /// <para type="description">The store holding the backup (binds from Get-PgBackup output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = LatestSet, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">The backup to restore (binds from Get-PgBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string BackupId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Restore the newest valid backup of -Database.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>
    /// <para type="description">The source database whose backups to use (binds from Get-PgBackup output); names the default target.</para>
    /// </summary>
    [Parameter(ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
    [ArgumentCompleter(typeof(DatabaseCompleter))]
    public string? Database { get; set; }

    /// <summary>
    /// <para type="description">A file to restore instead: a BackupOps dump in a folder store, or a legacy .sql / .sql.gz dump.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = FromPath)]
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Database to restore into; created when missing. Default: the source database name plus _restore.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetDatabase { get; set; }

    /// <summary>
    /// <para type="description">Replace a non-empty target database, once the restore into a scratch database has been verified. Asks for confirmation even at the default $ConfirmPreference; scripts pass -Force -Confirm:$false.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// <para type="description">Parallel pg_restore jobs.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>
    /// <para type="description">age identity file for encrypted backups.</para>
    /// </summary>
    [Parameter]
    public string? IdentityFile { get; set; }

    /// <summary>
    /// <para type="description">Tables whose exact row count is checked (against the manifest when it recorded one).</para>
    /// </summary>
    [Parameter]
    public string[] CriticalTable { get; set; } = [];

    /// <summary>
    /// <para type="description">Smoke queries with expectations, written 'SELECT count(*) FROM events => > 0'.</para>
    /// </summary>
    [Parameter]
    public string[] SmokeQuery { get; set; } = [];

    /// <summary>
    /// <para type="description">Keep owners and grants from the dump (default: objects owned by the restoring user, no grants).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PreserveOwnership { get; set; }

    /// <summary>
    /// <para type="description">Folder for downloads from remote stores. Default: BACKUPOPS_TEMP or the system temp folder.</para>
    /// </summary>
    [Parameter]
    public string? TempDirectory { get; set; }

    /// <summary>
    /// <para type="description">Require a valid signature by one of these public key files (PEM, from New-BackupSigningKey; several for key rotation). A missing, untrusted or broken signature is refused before anything is restored. Default: BACKUPOPS_TRUSTED_KEYS (paths separated by ':'), else signatures are reported but not required.</para>
    /// </summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    // Targets this pipeline has restored into (or started to): a second backup for one target would silently replace the
    // first restore, and with -Force the target would end up holding whichever database came last.
    private readonly Dictionary<string, string> _restoredTargets = new(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var store = ParameterSetName == FromPath ? null : ResolveStore(Store);
        this.WriteConnectionVerbose();
        var path = ParameterSetName == FromPath ? ResolvePath(Path) : null;
        var identity = IdentityFile is null ? null : ResolvePath(IdentityFile);
        var temp = TempDirectory is null ? null : ResolvePath(TempDirectory);
        string[]? trusted = TrustedKey.Length == 0 ? null : [.. TrustedKey.Select(ResolvePath)];
        PgRestoreRequest Request() => new()
        {
            TargetServer = this.Connection(),
            Store = store,
            S3 = this.S3Options(),
            BackupId = ParameterSetName == ById ? BackupId : null,
            Latest = ParameterSetName == LatestSet,
            SourceDatabase = Database,
            Path = path,
            TargetDatabase = TargetDatabase,
            Force = Force,
            Jobs = Jobs,
            IdentityFile = identity,
            CriticalTables = CriticalTable,
            SmokeQueries = [.. SmokeQuery.Select(Engine.Restore.SmokeQuery.Parse)],
            PreserveOwnership = PreserveOwnership,
            TempDirectory = temp,
            TrustedKeyFiles = trusted,
            Reporting = this.Reporting(),
        };

        // Restoring into a new or empty database changes nothing that exists, so it asks nothing by default
        // (ConfirmImpact Medium); replacing a non-empty one needs -Force and a confirmation as if High.
        if (!this.TryRun((_, token) => PgRestoreEngine.PlanAsync(Request(), token), out var plan)
            || !this.ShouldProcessOrExplain(plan.Description, "Restore PostgreSQL backup", "pass -Confirm:$false"))
        {
            FlushReportingWarnings(); // -WhatIf too says which damaged backup -Latest skipped
            return;
        }

        var backupName = ParameterSetName == ById ? $"backup {BackupId}" + (Database is null ? string.Empty : $" of {Database}") : plan.Description;
        if (_restoredTargets.TryGetValue(plan.TargetDatabase, out var earlier))
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"'{plan.TargetDatabase}' already received {earlier} in this pipeline; {backupName} was not restored. Pipe one backup per target (Get-PgBackup -Database <name> -Latest), or omit -TargetDatabase so each database goes to <database>_restore."),
                "PgRestoreTargetAlreadyUsed",
                ErrorCategory.InvalidOperation,
                plan.TargetDatabase));
            return;
        }

        if (plan.ReplacesExisting && !this.ConfirmHighImpact(
            $"{plan.Description}. The current contents of '{plan.TargetDatabase}' will be lost once the verified restore is swapped in. Continue?",
            "Replace a non-empty database",
            "pass -Force -Confirm:$false to replace a non-empty database"))
        {
            return;
        }

        WriteVerbose($"{plan.Description}.");
        _restoredTargets[plan.TargetDatabase] = backupName;

        var done = this.TryRun((progress, token) => PgRestoreEngine.RunAsync(Request(), progress, token), out var result);
        FlushReportingWarnings();
        if (done)
        {
            var output = OutputMapper.ToOutput(result);
            WriteObject(output);
            foreach (var failed in output.Checks.Where(c => c.Outcome == BackupCheckOutcome.Failed))
            {
                WriteError(new ErrorRecord(new InvalidDataException($"Validation failed: {failed.Name}: {failed.Detail}"), "PgRestoreValidationFailed", ErrorCategory.InvalidResult, output.TargetDatabase));
            }
        }
    }
}
