using BackupOps.Engine.Catalog;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Progress;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Verification;

namespace BackupOps.Engine.Retention;

/// <summary>One thing retention removes (or would remove under -WhatIf).</summary>
/// <param name="Key">The backup id, or the leftover's key.</param>
/// <param name="Database">The database.</param>
/// <param name="StartedUtc">When the backup started (or the leftover was written).</param>
/// <param name="SizeBytes">Bytes freed.</param>
/// <param name="Reason">Why it goes.</param>
/// <param name="Removed">False under -WhatIf / --dry-run.</param>
public sealed record PruneAction(string Key, string? Database, DateTimeOffset StartedUtc, long SizeBytes, string Reason, bool Removed);

/// <summary>A source retention left alone, and why.</summary>
/// <param name="Source">The database or Redis source.</param>
/// <param name="ErrorId">Stable id: <c>PruneRefused</c> (ambiguous catalog) or <c>PruneUnproven</c> (too few backups proven whole).</param>
/// <param name="Reason">What a person must resolve.</param>
public sealed record PruneRefusal(string Source, string ErrorId, string Reason);

/// <summary>What retention decided: the removals, and what it proved, found damaged or refused on the way.</summary>
/// <param name="Actions">Removals, in order.</param>
/// <param name="Proofs">The verifications the removals rely on (records reused or made now).</param>
/// <param name="Damaged">Backups found damaged: never counted towards the minimum kept.</param>
/// <param name="Refused">Sources left alone.</param>
public sealed record RetentionPlan(IReadOnlyList<PruneAction> Actions, IReadOnlyList<VerificationRecord> Proofs, IReadOnlyList<VerificationRecord> Damaged, IReadOnlyList<PruneRefusal> Refused)
{
    /// <summary>Backups and leftovers retention would remove but the store still locks (Object Lock): kept, and said so.</summary>
    public IReadOnlyList<PruneKept> Locked { get; init; } = [];
}

/// <summary>
/// Applies retention to a store. Before anything of a source is deleted, the newest <see cref="RetentionPolicy.MinimumKeep"/>
/// backups it keeps are proven whole by reading them back (a recent matching verification record spares the re-read);
/// a damaged backup never counts, and nothing older than the newest proven ones goes unless there are enough of them.
/// A source whose catalog is ambiguous (copies, misplaced manifests, links) is refused. Backups go manifest first (the
/// backup stops being valid at once) and data after, and never a data object another manifest names. Leftovers older
/// than the grace period are cleaned, including open multipart uploads.
/// </summary>
public static class PruneEngine
{
    /// <summary>Plans retention for every source of <paramref name="listing"/> (or one), proving what it relies on; deletes nothing.</summary>
    /// <param name="store">The store the listing came from (proofs read it).</param>
    /// <param name="kind">The kind listed.</param>
    /// <param name="listing">The whole kind's catalog: copies elsewhere in it concern this source too.</param>
    /// <param name="source">Only this source, or null for all.</param>
    /// <param name="policy">Retention, minimum kept, leftover grace, and how recent a proof must be.</param>
    /// <param name="now">The time the retention is measured from.</param>
    /// <param name="writeRecords">False for dry runs: prove, but write no verification record.</param>
    /// <param name="onWarning">Receives warnings (a record that could not be written).</param>
    /// <param name="progress">Progress of the reads.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public static async Task<RetentionPlan> PlanAsync<TManifest>(
        IBackupStore store,
        BackupKind kind,
        CatalogListing<TManifest> listing,
        string? source,
        RetentionPolicy policy,
        DateTimeOffset now,
        bool writeRecords,
        Action<string>? onWarning,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(policy);
        var cutoff = now.AddDays(-policy.RetentionDays);
        var ambiguous = listing.AmbiguousSources;
        var records = await VerificationRecords.ListAsync(store, kind, source, cancellationToken).ConfigureAwait(false);
        var actions = new List<PruneAction>();
        var proofs = new List<VerificationRecord>();
        var damaged = new List<VerificationRecord>();
        var refused = new List<PruneRefusal>();
        var locked = new List<PruneKept>();
        var candidates = new List<PruneAction>();
        var sources = listing.Backups.Select(b => b.Database).Concat(listing.Leftovers.Select(l => l.Database).OfType<string>())
            .Where(s => source is null || s == source)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var name in sources)
        {
            if (ambiguous.TryGetValue(name, out var anomaly))
            {
                refused.Add(new PruneRefusal(name, "PruneRefused", $"The catalog of '{name}' is ambiguous, so nothing of it was removed: {anomaly.Description}"));
                continue;
            }

            var backups = listing.Backups.Where(b => b.Database == name).OrderByDescending(b => b.Manifest.StartedUtc).ThenByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
            if (backups.Skip(policy.MinimumKeep).Any(b => b.Manifest.StartedUtc < cutoff))
            {
                // Something would go: first prove the backups that make it safe to let it go.
                var proven = new List<CatalogEntry<TManifest>>();
                foreach (var backup in backups)
                {
                    if (proven.Count == policy.MinimumKeep)
                    {
                        break;
                    }

                    var proof = await ProveAsync(store, kind, backup, records, policy, now, writeRecords, onWarning, progress, cancellationToken).ConfigureAwait(false);
                    (proof.Passed ? proofs : damaged).Add(proof);
                    if (proof.Passed)
                    {
                        proven.Add(backup);
                    }
                }

                if (proven.Count < policy.MinimumKeep)
                {
                    refused.Add(new PruneRefusal(name, "PruneUnproven", $"Only {proven.Count} of the newest backups of '{name}' could be proven whole, fewer than the {policy.MinimumKeep} kept at least; no backup of it was removed. Take a new backup (and check the damaged ones) before pruning."));
                }
                else
                {
                    var floor = backups.IndexOf(proven[^1]);
                    candidates.AddRange(backups.Skip(floor + 1).Where(b => b.Manifest.StartedUtc < cutoff).Select(b =>
                        new PruneAction(b.BackupId, b.Database, b.Manifest.StartedUtc, b.Manifest.SizeBytes, $"older than {policy.RetentionDays} days; {proven.Count} newer backup(s) proven whole", false)));
                }
            }

            candidates.AddRange(listing.Leftovers.Where(l => l.Database == name && l.LastModifiedUtc < now - policy.LeftoverGrace).Select(LeftoverAction));
        }

        // Leftovers outside any source folder (directly under the kind's prefix) belong to no catalog that could be ambiguous.
        if (source is null)
        {
            candidates.AddRange(listing.Leftovers.Where(l => l.Database is null && l.LastModifiedUtc < now - policy.LeftoverGrace).Select(LeftoverAction));
        }

        // The store's lock outranks the retention: a locked object cannot go (and on a versioned bucket a plain DELETE
        // would only hide it behind a marker), so it is kept and reported, never "removed".
        foreach (var candidate in candidates)
        {
            if (await PruneLocks.LockedAsync(store, listing, candidate, cancellationToken).ConfigureAwait(false) is { } kept)
            {
                locked.Add(kept);
            }
            else
            {
                actions.Add(candidate);
            }
        }

        return new RetentionPlan(actions, proofs, damaged, refused) { Locked = locked };
    }

    /// <summary>
    /// Plans the removal of one backup by id. Refused when the source is ambiguous, when the backup is among the newest
    /// <see cref="RetentionPolicy.MinimumKeep"/> proven whole, or when fewer than that many others can be proven whole.
    /// </summary>
    public static async Task<RetentionPlan> PlanSingleAsync<TManifest>(IBackupStore store, BackupKind kind, CatalogListing<TManifest> listing, string backupId, RetentionPolicy policy, bool writeRecords, Action<string>? onWarning, CancellationToken cancellationToken)
        where TManifest : class, IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(policy);
        var backup = listing.Backups.FirstOrDefault(b => b.BackupId == backupId)
            ?? throw new BackupOpsException(BackupOpsErrorKind.NotFound, "BackupNotFound", $"No valid backup '{backupId}' in the store. Run Get-PgBackup / backupops pg list to see the backups there.") { Target = backupId };
        if (listing.AmbiguousSources.TryGetValue(backup.Database, out var anomaly))
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "PruneRefused", $"The catalog of '{backup.Database}' is ambiguous, so {backupId} was not removed: {anomaly.Description}") { Target = backupId };
        }

        var records = await VerificationRecords.ListAsync(store, kind, backup.Database, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var proofs = new List<VerificationRecord>();
        var damaged = new List<VerificationRecord>();
        var keep = Math.Max(1, policy.MinimumKeep);
        foreach (var candidate in listing.Backups.Where(b => b.Database == backup.Database).OrderByDescending(b => b.Manifest.StartedUtc).ThenByDescending(b => b.BackupId, StringComparer.Ordinal))
        {
            if (proofs.Count(p => p.BackupId != backupId) == keep)
            {
                break;
            }

            var proof = await ProveAsync(store, kind, candidate, records, policy, now, writeRecords, onWarning, null, cancellationToken).ConfigureAwait(false);
            (proof.Passed ? proofs : damaged).Add(proof);
            if (candidate.BackupId == backupId && proof.Passed && proofs.Count <= keep)
            {
                throw new BackupOpsException(BackupOpsErrorKind.Refused, "NewestBackupProtected", $"Backup {backupId} is among the newest {keep} backups of '{backup.Database}' proven whole and is never deleted. Take a newer backup first.") { Target = backupId };
            }
        }

        if (proofs.Count(p => p.BackupId != backupId) < keep)
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "PruneUnproven", $"Backup {backupId} was not removed: fewer than {keep} other backups of '{backup.Database}' could be proven whole{(damaged.Count > 0 ? $" ({damaged.Count} found damaged)" : string.Empty)}. Take a new backup first.") { Target = backupId };
        }

        var action = new PruneAction(backup.BackupId, backup.Database, backup.Manifest.StartedUtc, backup.Manifest.SizeBytes, "removed by id", false);
        if (await PruneLocks.LockedAsync(store, listing, action, cancellationToken).ConfigureAwait(false) is { } kept)
        {
            throw new BackupOpsException(BackupOpsErrorKind.Refused, "BackupLocked", $"Backup {backupId} of '{backup.Database}' is {kept.Reason[6..]} and cannot be removed before then; nothing was removed.") { Target = backupId };
        }

        return new RetentionPlan([action], proofs, damaged, []);
    }

    /// <summary>Applies removals planned against the same listing; deleting what is already gone is not an error.</summary>
    public static async Task<IReadOnlyList<PruneAction>> ApplyAsync<TManifest>(IBackupStore store, BackupKind kind, CatalogListing<TManifest> listing, IReadOnlyList<PruneAction> plan, CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(plan);
        var done = new List<PruneAction>();
        foreach (var action in plan)
        {
            var backup = listing.Backups.FirstOrDefault(b => b.BackupId == action.Key && b.Database == action.Database);
            if (backup is not null)
            {
                await store.DeleteAsync(backup.ManifestKey, cancellationToken).ConfigureAwait(false);

                // After the manifest: a backup never stays behind looking unsigned.
                await store.DeleteAsync(Signing.ManifestSignatures.KeyOf(backup.ManifestKey), cancellationToken).ConfigureAwait(false);

                // Never a data object another manifest names, wherever that manifest lies (a copy, an edit).
                if (!NamedByAnother(listing, backup))
                {
                    await store.DeleteAsync(backup.Manifest.DataKey, cancellationToken).ConfigureAwait(false);
                }

                await VerificationRecords.DeleteAsync(store, kind, backup.Database, backup.BackupId, cancellationToken).ConfigureAwait(false);
            }
            else if (listing.Leftovers.FirstOrDefault(l => l.Key == action.Key) is { } leftover)
            {
                if (leftover.Incomplete is not null)
                {
                    await store.DiscardIncompleteWriteAsync(leftover.Incomplete, cancellationToken).ConfigureAwait(false);
                }
                else if (!listing.Anomalies.Any(a => a.DataKey == leftover.Key) && !listing.Backups.Any(b => b.Manifest.DataKey == leftover.Key))
                {
                    await store.DeleteAsync(leftover.Key, cancellationToken).ConfigureAwait(false);
                }
            }

            done.Add(action with { Removed = true });
        }

        return done;
    }

    private static bool NamedByAnother<TManifest>(CatalogListing<TManifest> listing, CatalogEntry<TManifest> backup)
        where TManifest : IBackupManifest =>
        listing.Backups.Any(b => b != backup && b.Manifest.DataKey == backup.Manifest.DataKey)
        || listing.Anomalies.Any(a => a.DataKey == backup.Manifest.DataKey);

    private static PruneAction LeftoverAction(BackupLeftover leftover) =>
        new(leftover.Key, leftover.Database, leftover.LastModifiedUtc, leftover.SizeBytes, $"leftover: {leftover.Reason}", false);

    // A recent record bound to this very manifest and data object proves it; otherwise read the backup again.
    private static async Task<VerificationRecord> ProveAsync<TManifest>(
        IBackupStore store,
        BackupKind kind,
        CatalogEntry<TManifest> backup,
        Dictionary<(string Source, string BackupId), VerificationRecords.Listed> records,
        RetentionPolicy policy,
        DateTimeOffset now,
        bool writeRecords,
        Action<string>? onWarning,
        IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
        where TManifest : IBackupManifest
    {
        if (policy.VerifiedWithin > TimeSpan.Zero && records.TryGetValue((backup.Database, backup.BackupId), out var listed) && listed.Outcome == VerificationRecord.PassedOutcome)
        {
            var record = await VerificationRecords.ReadAsync(store, listed, cancellationToken).ConfigureAwait(false);
            if (BackupVerifier.Proves(record, backup, now, policy.VerifiedWithin))
            {
                return record!;
            }
        }

        return await BackupVerifier.VerifyAsync(store, kind, backup, "prune", writeRecords, onWarning, progress, cancellationToken).ConfigureAwait(false);
    }
}
