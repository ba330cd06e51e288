using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Retention;
using BackupOps.Engine.Stores;

namespace BackupOps.Internal;

/// <summary>
/// The one removal path of Remove-PgBackup and Remove-RedisSnapshot (never the newest valid backup; manifest first;
/// one confirmation per item; -WhatIf removes nothing). Internal: its generic constraint names the engine's
/// IBackupManifest, which a member of the public cmdlet base must never do (the type would not load on import).
/// </summary>
internal static class BackupRemoval
{
    /// <summary>Plans by id (when <paramref name="backupId"/> is given) or by retention, then removes item by item after ShouldProcess.</summary>
    public static void RemoveBackups<TManifest>(this RemoveBackupsCmdlet cmdlet, BackupKind kind, string? source, string? backupId, string noun)
        where TManifest : class, IBackupManifest
    {
        var spec = cmdlet.ResolveStore(cmdlet.Store);
        var retentionDays = cmdlet.RetentionDays;
        var minimumKeep = cmdlet.MinimumKeep;
        var options = cmdlet.S3Options();
        if (!cmdlet.TryRun(
            async (_, token) =>
            {
                var opened = StoreLocation.Open(spec, options);
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
            foreach (var action in actions.Where(a => cmdlet.ShouldProcessOrExplain($"{a.Key} ({a.Database}) in {spec}", $"Remove {noun}: {a.Reason}", "pass -Confirm:$false (-WhatIf first shows what would be removed)")))
            {
                if (cmdlet.TryRun((_, token) => PruneEngine.ApplyAsync(openedStore, listed, [action], token), out var done))
                {
                    cmdlet.WriteObject(OutputMapper.ToOutput(spec, done[0]));
                }
            }
        }
        finally
        {
            openedStore.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
