using BackupOps.Engine.Connection;
using BackupOps.Engine.Retention;

namespace BackupOps.Engine.Leftovers;

/// <summary>
/// What prune cleans besides the store: databases interrupted restores left on a server, and temporary folders killed
/// runs left on this machine. Only what BackupOps made (its comment, its owner file), only past the grace period, never
/// while in use (sessions connected, owner process alive), and nothing under a dry run.
/// </summary>
public static class LeftoverCleaner
{
    /// <summary>Cleans (or, on a dry run, lists) leftovers older than <paramref name="grace"/>.</summary>
    /// <param name="store">The store whose run records may name databases killed restores announced (optional).</param>
    /// <param name="server">The server to clean databases on (optional).</param>
    /// <param name="tempDirectory">This machine's temporary root (default BACKUPOPS_TEMP or the system temp).</param>
    /// <param name="grace">Only leftovers older than this.</param>
    /// <param name="dryRun">List, remove nothing.</param>
    /// <param name="onWarning">Receives what is left alone and why.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public static async Task<IReadOnlyList<PruneAction>> CleanAsync(Stores.IBackupStore? store, PgConnectionSettings? server, string? tempDirectory, TimeSpan grace, bool dryRun, Action<string>? onWarning, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var actions = new List<PruneAction>();
        if (server is not null)
        {
            var announced = store is null ? null : await LeftoverDatabases.AnnouncedByRunsAsync(store, cancellationToken).ConfigureAwait(false);
            foreach (var database in await LeftoverDatabases.ListAsync(server, null, announced, cancellationToken).ConfigureAwait(false))
            {
                if (!database.MadeByBackupOps || !database.Idle)
                {
                    onWarning?.Invoke($"left alone: {LeftoverDatabases.Describe(database)}{(database.Sessions > 0 ? $"; {database.Sessions} session(s) use it now" : string.Empty)}");
                    continue;
                }

                if (database.CreatedUtc >= now - grace)
                {
                    continue;
                }

                if (!dryRun)
                {
                    await LeftoverDatabases.DropAsync(server, database, cancellationToken).ConfigureAwait(false);
                }

                actions.Add(new PruneAction(database.Name, null, database.CreatedUtc!.Value, database.SizeBytes, $"leftover database on {database.Server}: {database.Holds}", !dryRun));
            }
        }

        foreach (var folder in TempLeftovers.List(tempDirectory).Where(t => t.Removable && t.CreatedUtc < now - grace))
        {
            if (!dryRun && TempLeftovers.Remove(folder) is { } problem)
            {
                onWarning?.Invoke(problem);
                continue;
            }

            actions.Add(new PruneAction(folder.Path, null, folder.CreatedUtc, folder.SizeBytes, $"leftover temporary folder: {TempLeftovers.Describe(folder)}", !dryRun));
        }

        return actions;
    }
}
