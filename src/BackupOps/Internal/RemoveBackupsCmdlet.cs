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
    /// <summary>Plans by id or by retention, then removes item by item after ShouldProcess.</summary>
    private protected void RemoveBackups<TManifest>(BackupKind kind, string? store, string? source, string? backupId, int? retentionDays, int minimumKeep, string noun)
        where TManifest : class, IBackupManifest
    {
        var spec = ResolveStore(store);
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
