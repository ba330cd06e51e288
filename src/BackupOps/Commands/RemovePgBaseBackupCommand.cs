using System.Management.Automation;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Physical;
using BackupOps.Internal;

namespace BackupOps.Commands;

/// <summary>
/// <para type="synopsis">Removes base backups past their retention, or given ones, then the WAL no retained base backup needs.</para>
/// <para type="description">Base backups follow the rules of Remove-PgBackup: the newest -MinimumKeep valid ones of each cluster (at least one) are proven whole and never removed, manifest first, then data, one confirmation each. Then the archived WAL before the start of the oldest base backup that remains is removed, one confirmation per cluster: nothing a retained base backup needs goes, timeline history files stay, and a cluster without a base backup (or one left alone) keeps all its WAL. -WhatIf lists and deletes nothing.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "PgBaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = RetentionSet)]
[OutputType(typeof(BackupPruneResult))]
public sealed class RemovePgBaseBackupCommand : RemoveBackupsCmdlet
{
    /// <summary>
    /// <para type="description">A base backup to remove (binds from Get-PgBaseBackup output).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string BackupId { get; set; } = string.Empty;

    /// <summary>
    /// <para type="description">Only this cluster's base backups and WAL (binds from Get-PgBaseBackup output).</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Cluster { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var byId = ParameterSetName == ByIdSet;
        var outcome = this.RemoveBackups<BaseBackupManifest>(BackupKind.PostgresBase, Cluster, byId ? BackupId : null, "base backup");
        if (outcome is null)
        {
            return;
        }

        // Under -WhatIf the base backups the plan would remove count as gone, so the WAL listed is what a real run removes.
        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var flag) && flag is SwitchParameter { IsPresent: true };
        var gone = new HashSet<string>((whatIf ? outcome.Planned : outcome.Removed).Select(r => r.Key), StringComparer.Ordinal);
        var leftAlone = new HashSet<string>(outcome.LeftAlone, StringComparer.Ordinal);
        IReadOnlyList<string?> clusters = byId
            ? [.. (whatIf ? outcome.Planned : outcome.Removed).Select(r => r.Source).Where(s => s is not null).Distinct(StringComparer.Ordinal)]
            : [Cluster];
        var options = this.S3Options();
        foreach (var cluster in clusters)
        {
            if (!this.TryRun(
                async (_, token) =>
                {
                    await using var store = Engine.Stores.StoreLocation.Open(outcome.Store, options);
                    return await PitrRetention.PlanWalAsync(store, cluster, gone, leftAlone, token);
                },
                out var removals))
            {
                continue;
            }

            foreach (var group in removals.GroupBy(r => r.Action.Database ?? string.Empty, StringComparer.Ordinal))
            {
                var files = group.ToList();
                var before = files[0].Action.Reason;
                if (!this.ShouldProcessOrExplain($"{files.Count} WAL file(s) of cluster {group.Key} in {outcome.Store}", $"Remove WAL no retained base backup needs ({before})", "pass -Confirm:$false (-WhatIf first shows what would be removed)"))
                {
                    continue;
                }

                if (this.TryRun(
                    async (_, token) =>
                    {
                        await using var store = Engine.Stores.StoreLocation.Open(outcome.Store, options);
                        foreach (var file in files)
                        {
                            await store.DeleteAsync(file.StoreKey, token);
                        }

                        return files.Count;
                    },
                    out _))
                {
                    foreach (var file in files)
                    {
                        WriteObject(OutputMapper.ToOutput(outcome.Store, file.Action with { Removed = true }));
                    }
                }
            }
        }
    }
}
