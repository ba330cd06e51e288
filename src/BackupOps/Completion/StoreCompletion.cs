using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Stores;

namespace BackupOps.Completion;

/// <summary>
/// What the completers read: the store named by the command line's -Store (or BACKUP_DIR, else ./backups, as the
/// cmdlets), the S3 endpoint from -S3Endpoint/-S3Credential or the environment. Completion must never hang a
/// prompt or show an error, so every read is bounded in time and a failure completes nothing.
/// </summary>
internal static class StoreCompletion
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public static IEnumerable<CompletionResult> BackupIds(IDictionary bound, string word) =>
        Complete(word, () => List<BackupManifest>(bound, BackupKind.Postgres, bound["Database"] as string)
            .Select(e => (e.BackupId, $"{e.Database}, {e.Manifest.StartedUtc:yyyy-MM-dd HH:mm} UTC, {e.Manifest.SizeBytes / 1024.0:N0} KB")));

    public static IEnumerable<CompletionResult> Databases(IDictionary bound, string word) =>
        Complete(word, () => List<BackupManifest>(bound, BackupKind.Postgres, null)
            .GroupBy(e => e.Database).Select(g => (g.Key, $"{g.Count()} backup(s), newest {g.Max(e => e.Manifest.StartedUtc):yyyy-MM-dd HH:mm} UTC")));

    public static IEnumerable<CompletionResult> RedisSources(IDictionary bound, string word) =>
        Complete(word, () => List<RedisSnapshotManifest>(bound, BackupKind.Redis, null)
            .GroupBy(e => e.Database).Select(g => (g.Key, $"{g.Count()} snapshot(s), newest {g.Max(e => e.Manifest.StartedUtc):yyyy-MM-dd HH:mm} UTC")));

    public static IEnumerable<CompletionResult> SnapshotIds(IDictionary bound, string word) =>
        Complete(word, () => List<RedisSnapshotManifest>(bound, BackupKind.Redis, bound["Source"] as string)
            .Select(e => (e.BackupId, $"{e.Database}, {e.Manifest.StartedUtc:yyyy-MM-dd HH:mm} UTC")));

    public static IEnumerable<CompletionResult> Buckets(IDictionary bound, string word) =>
        Complete(word, () =>
        {
            using var timeout = new CancellationTokenSource(Budget);
            return BucketDirectory.ListAsync(S3Options(bound), timeout.Token).GetAwaiter().GetResult().Select(b => (b, b));
        });

    private static IEnumerable<CompletionResult> Complete(string word, Func<IEnumerable<(string Value, string Tip)>> read)
    {
        List<(string Value, string Tip)> candidates;
        try
        {
            candidates = [.. read()];
        }
        catch (Exception ex) when (ex is Engine.Errors.BackupOpsException or OperationCanceledException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return [];
        }

        return candidates
            .Where(c => c.Value.StartsWith(word ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(c => c.Value)
            .Select(c => new CompletionResult(Quote(c.Value), c.Value, CompletionResultType.ParameterValue, c.Tip));
    }

    private static IEnumerable<CatalogEntry<TManifest>> List<TManifest>(IDictionary bound, BackupKind kind, string? source)
        where TManifest : class, IBackupManifest
    {
        using var timeout = new CancellationTokenSource(Budget);
        var store = StoreLocation.Open(ResolveStore(bound["Store"] as string), S3Options(bound));
        try
        {
            return BackupCatalog.ListAsync<TManifest>(store, kind, new BackupCatalog.Filter(source), timeout.Token).GetAwaiter().GetResult().Backups;
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string ResolveStore(string? store)
    {
        var spec = string.IsNullOrWhiteSpace(store) ? Internal.StoreCmdlet.DefaultStore : store;
        if (spec.Contains("://", StringComparison.Ordinal) || Path.IsPathRooted(spec))
        {
            return spec;
        }

        // Relative to PowerShell's location, as the cmdlets resolve it (pwsh does not move the process's directory).
        var location = Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath ?? Environment.CurrentDirectory;
        return Path.GetFullPath(Path.Combine(location, spec));
    }

    private static S3StoreOptions S3Options(IDictionary bound)
    {
        var options = S3StoreOptions.FromEnvironment();
        if (bound["S3Credential"] is PSCredential credential)
        {
            options = options with { AccessKey = credential.UserName, SecretKey = credential.GetNetworkCredential().Password };
        }

        if (bound["S3Endpoint"] is string endpoint)
        {
            options = options with { Endpoint = endpoint };
        }

        return bound["S3Provider"] is string provider ? options with { Provider = S3StoreOptions.ParseProvider(provider) } : options;
    }

    private static string Quote(string value) =>
        value.IndexOfAny([' ', '\'', '"', '$', '`', '(', ')', ';', ',', '&', '|', '{', '}', '@', '#']) < 0 ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
