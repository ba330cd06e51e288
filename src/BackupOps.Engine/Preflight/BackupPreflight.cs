using System.Text;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Connection;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tools;
using Npgsql;

namespace BackupOps.Engine.Preflight;

/// <summary>
/// The dry run of a backup: connects to PostgreSQL, checks pg_dump can dump that server, proves the store is
/// writable with a probe object that is removed again, checks the role can read every table and sequence pg_dump reads,
/// and checks age and the critical tables. Nothing is backed up.
/// Every check runs even when an earlier one failed, so one run shows everything that is wrong.
/// </summary>
public static class BackupPreflight
{
    /// <summary>Key prefix of probe objects.</summary>
    public const string ProbePrefix = "_backupops-probe/";

    /// <summary>Runs every check and returns them in order.</summary>
    public static async Task<IReadOnlyList<RestoreCheck>> RunAsync(PgBackupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = request.WithSourceDatabase(out var fromPgDatabase);
        request.Validate();
        var checks = new List<RestoreCheck>();
        var serverMajor = 0;
        try
        {
            await using var connection = await PgConnector.OpenAsync(request.Connection, cancellationToken).ConfigureAwait(false);
            await using var version = new NpgsqlCommand("SHOW server_version", connection);
            var serverVersion = (string)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            serverMajor = PgToolLocator.ParseMajor(serverVersion);
            checks.Add(new RestoreCheck("postgresql connection", CheckOutcome.Passed, $"{request.Connection.Display}: PostgreSQL {serverVersion}{(fromPgDatabase ? " (database from PGDATABASE)" : string.Empty)}"));
            checks.Add(await Attempt("read privileges", () => ReadPrivileges.CheckAsync(connection, request, cancellationToken)).ConfigureAwait(false));
            foreach (var table in request.CriticalTables)
            {
                checks.Add(await Attempt($"critical table {table}", async () => await SchemaReader.ResolveTableAsync(connection, table, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false));
            }
        }
        catch (BackupOpsException ex)
        {
            checks.Add(new RestoreCheck("postgresql connection", CheckOutcome.Failed, ex.Message));
        }

        checks.Add(await Attempt("pg_dump", () =>
        {
            var tool = PgToolLocator.Find("pg_dump", serverMajor);
            return Task.FromResult($"{tool.Path} {tool.Version}{(serverMajor > 0 ? $" can dump PostgreSQL {serverMajor}" : string.Empty)}");
        }).ConfigureAwait(false));

        if (request.AgeRecipients.Count > 0)
        {
            checks.Add(await Attempt("age", () => Task.FromResult($"{AgeTool.Find().Path} for {request.AgeRecipients.Count} recipient(s)")).ConfigureAwait(false));
        }

        if (request.SigningKeyFile is not null || Environment.GetEnvironmentVariable(Signing.SigningKeys.SigningKeyVariable) is { Length: > 0 })
        {
            checks.Add(await Attempt("signing key", () =>
            {
                using var signer = Signing.SigningKeys.LoadSigner(request.SigningKeyFile)!;
                return Task.FromResult($"manifests will be signed by {signer.Fingerprint}");
            }).ConfigureAwait(false));
        }

        checks.Add(await Attempt("store writable", () => ProbeStoreAsync(request.Store, request.S3, cancellationToken)).ConfigureAwait(false));
        var s3 = request.S3 ?? S3StoreOptions.FromEnvironment();
        if (s3.ObjectLock is not null)
        {
            checks.Add(await Attempt("object lock", async () =>
            {
                await using var store = StoreLocation.Open(request.Store, s3);
                return (await ObjectLockPreflight.CheckAsync(store, s3, cancellationToken).ConfigureAwait(false))!;
            }).ConfigureAwait(false));
        }

        return checks;
    }

    /// <summary>Writes and removes a small probe object in the store.</summary>
    public static async Task<string> ProbeStoreAsync(string? storeSpec, S3StoreOptions? s3, CancellationToken cancellationToken)
    {
        if (StoreLocation.MissingFolder(storeSpec) is { } missing)
        {
            // A dry run changes nothing: the folder is not created, only its nearest existing parent proven writable.
            return ProbeParent(missing);
        }

        await using var store = StoreLocation.Open(storeSpec, s3);
        var key = ProbePrefix + BackupKeys.NewBackupId(DateTimeOffset.UtcNow);
        // Never a locked write (PutSmall/ReplaceSmall are not under Object Lock): the probe must be removable at once.
        await store.PutSmallAsync(key, Encoding.UTF8.GetBytes("BackupOps write probe; safe to delete\n"), cancellationToken).ConfigureAwait(false);
        var readBack = await store.TryGetSmallAsync(key, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        return readBack is null
            ? throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "StoreProbeFailed", $"A probe object written to {store.Display} could not be read back.")
            : $"{store.Display}: probe object written, read back and removed";
    }

    private static string ProbeParent(string missing)
    {
        var parent = Path.GetDirectoryName(missing);
        while (parent is not null && !Directory.Exists(parent))
        {
            parent = Path.GetDirectoryName(parent);
        }

        if (parent is null)
        {
            throw new BackupOpsException(BackupOpsErrorKind.NotFound, "StoreNotFound", $"The store folder '{missing}' does not exist and has no existing parent folder. Fix -Store / --store (or BACKUP_DIR).") { Target = missing };
        }

        var probe = Path.Combine(parent, ".backupops-probe-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupOpsException(BackupOpsErrorKind.OperationFailed, "StoreNotWritable", $"The store folder '{missing}' does not exist, and its parent '{parent}' is not writable, so the backup could not create it ({ex.Message}). Create it (mkdir -p, mode 0700) or fix -Store / --store.") { Target = missing };
        }

        return $"{missing} does not exist yet: the backup creates it ('{parent}' is writable); the dry run left it uncreated";
    }

    private static async Task<RestoreCheck> Attempt(string name, Func<Task<string>> check)
    {
        try
        {
            return new RestoreCheck(name, CheckOutcome.Passed, await check().ConfigureAwait(false));
        }
        catch (BackupOpsException ex)
        {
            return new RestoreCheck(name, CheckOutcome.Failed, ex.Message);
        }
    }
}
