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
    /// <summary>
    /// Plans by id (when <paramref name="backupId"/> is given) or by retention, then removes item by item after
    /// ShouldProcess. Returns what was planned, what was removed and the sources left alone (null when planning failed),
    /// so Remove-PgBaseBackup can go on to the WAL the remaining base backups no longer need.
    /// </summary>
    public static RemovalOutcome? RemoveBackups<TManifest>(this RemoveBackupsCmdlet cmdlet, BackupKind kind, string? source, string? backupId, string noun)
        where TManifest : class, IBackupManifest
    {
        var spec = cmdlet.ResolveStore(cmdlet.Store);
        var retentionDays = cmdlet.RetentionDays;
        var minimumKeep = cmdlet.MinimumKeep;
        var options = cmdlet.S3Options();
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        if (!cmdlet.TryRun(
            async (_, token) =>
            {
                var opened = StoreLocation.Open(spec, options);
                try
                {
                    // The engine proves the backups it keeps (SHA-256 read back) before planning any removal.
                    var policy = backupId is not null ? RetentionPolicy.ForRemovalById(minimumKeep) : RetentionPolicy.Resolve(retentionDays, minimumKeep);
                    var (listing, plan) = await RetentionRunner.PlanAsync<TManifest>(opened, kind, source, backupId, policy, true, warnings.Enqueue, null, token);
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
            return null;
        }

        var (openedStore, listed, retention) = planned;
        while (warnings.TryDequeue(out var warning))
        {
            cmdlet.WriteWarning(Engine.Errors.FrontEndText.ForPowerShell(warning));
        }

        foreach (var damaged in retention.Damaged)
        {
            cmdlet.WriteWarning($"{damaged.Detail} It is never counted as a kept backup.");
        }

        foreach (var refusal in retention.Refused)
        {
            cmdlet.WriteError(ErrorRecords.From(new Engine.Errors.BackupOpsException(Engine.Errors.BackupOpsErrorKind.Refused, refusal.ErrorId, refusal.Reason) { Target = refusal.Source }));
        }

        foreach (var kept in retention.Locked)
        {
            // Not a warning (a lock is what the operator asked for, and runbooks treat warnings as alerts), but shown
            // by default as Write-Host shows its text: a removal that silently removed nothing looked broken (cold
            // trial). The PSHOST tag is what makes the host display it; scripts still capture it with 6>&1.
            var message = $"{kept.Key} ({kept.Database}) {kept.Reason}";
            cmdlet.WriteVerbose(message);
            cmdlet.WriteInformation(new HostInformationMessage { Message = message }, ["BackupOps", "Kept", "PSHOST"]);
        }

        var removed = new List<(string Key, string? Source)>();
        try
        {
            foreach (var action in retention.Actions.Where(a => cmdlet.ShouldProcessOrExplain($"{a.Key} ({a.Database}) in {spec}", $"Remove {noun}: {a.Reason}", "pass -Confirm:$false (-WhatIf first shows what would be removed)")))
            {
                if (cmdlet.TryRun((_, token) => PruneEngine.ApplyAsync(openedStore, kind, listed, [action], token), out var done))
                {
                    removed.Add((action.Key, action.Database));
                    cmdlet.WriteObject(OutputMapper.ToOutput(spec, done[0]));
                }
            }
        }
        finally
        {
            openedStore.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return new RemovalOutcome(spec, [.. retention.Actions.Select(a => (a.Key, a.Database))], removed, [.. retention.Refused.Select(r => r.Source)]);
    }
}

