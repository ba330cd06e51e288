using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>
/// Base of Remove-PgBackup and Remove-RedisSnapshot: one removal path for every kind, so both keep the same
/// rules (never the newest valid backup; manifest first; one confirmation per item; -WhatIf removes nothing).
/// </summary>
public abstract class RemoveBackupsCmdlet : StoreCmdlet
{
    /// <summary>Name of the parameter set that removes by retention.</summary>
    private protected const string RetentionSet = "Retention";

    /// <summary>Name of the parameter set that removes given backups.</summary>
    private protected const string ByIdSet = "ById";

    /// <summary>
    /// <para type="description">The store (binds from Get-PgBackup / Get-RedisSnapshot output). Default: BACKUP_DIR, else ./backups.</para>
    /// </summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Store { get; set; }

    /// <summary>
    /// <para type="description">Remove backups older than this many days. Default: BACKUP_RETENTION_DAYS (one of the two is required).</para>
    /// </summary>
    [Parameter(ParameterSetName = RetentionSet)]
    [ValidateRange(1, 36500)]
    public int? RetentionDays { get; set; }

    /// <summary>
    /// <para type="description">Newest valid backups kept per database or source whatever their age; at least 1.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinimumKeep { get; set; } = 1;

    /// <summary>Plans by id (when <paramref name="backupId"/> is given) or by retention, then removes item by item after ShouldProcess.</summary>
    private protected void RemoveBackups<TManifest>(BackupKind kind, string? source, string? backupId, string noun)
        where TManifest : class, IBackupManifest
    {
        var spec = ResolveStore(Store);
        var retentionDays = RetentionDays;
        var minimumKeep = MinimumKeep;
        if (!TryRun(
            async (_, token) =>
            {
                var opened = StoreLocation.Open(spec, S3Options());
                try
                {
                    var listing = await BackupCatalog.ListAsync<TManifest>(opened, kind, new BackupCatalog.Filter(source), token);
                    var plan = backupId is not null
                        ? [PruneEngine.PlanSingle(listing, backupId, minimumKeep)]
                        : PruneEngine.Plan(listing, RetentionPolicy.Resolve(retentionDays, minimumKeep), DateTimeOffset.UtcNow);
                    return (opened, listing, plan);
                }
                catch
                {
                    await opened.DisposeAsync();
                    throw;
                }
            },
            out var planned))
        {
            return;
        }

        var (openedStore, listed, actions) = planned;
        try
        {
            foreach (var action in actions.Where(a => ShouldProcess($"{a.Key} ({a.Database}) in {spec}", $"Remove {noun}: {a.Reason}")))
            {
                if (TryRun((_, token) => PruneEngine.ApplyAsync(openedStore, listed, [action], token), out var done))
                {
                    WriteObject(OutputMapper.ToOutput(spec, done[0]));
                }
            }
        }
        finally
        {
            openedStore.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
