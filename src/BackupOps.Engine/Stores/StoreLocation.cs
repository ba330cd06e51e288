using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>Parses a store argument (<c>s3://bucket/prefix</c> or a folder) and opens the store.</summary>
public static class StoreLocation
{
    /// <summary>Variable naming the default backup folder (seed: <c>BACKUP_DIR</c>, default <c>./backups</c>).</summary>
    public const string BackupDirVariable = "BACKUP_DIR";

    /// <summary>The store used when none is given: <c>BACKUP_DIR</c>, else <c>./backups</c>.</summary>
    public static string DefaultSpec => Environment.GetEnvironmentVariable(BackupDirVariable) is { Length: > 0 } dir ? dir : "./backups";

    /// <summary>Opens the store named by <paramref name="spec"/> (null or empty for the default).</summary>
    public static IBackupStore Open(string? spec, S3StoreOptions? s3Options = null)
    {
        spec = string.IsNullOrWhiteSpace(spec) ? DefaultSpec : spec.Trim();
        if (spec.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("r2://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = spec[5..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
            if (!IsValidBucketName(bucket))
            {
                throw BackupOpsException.InvalidInput("StoreBucketInvalid", $"'{bucket}' is not a valid bucket name in -Store / --store '{spec}'. Bucket names are 3-63 characters of a-z, 0-9, '.' and '-'; write the store as s3://bucket/prefix.");
            }

            var options = s3Options ?? S3StoreOptions.FromEnvironment();
            if (spec.StartsWith("r2://", StringComparison.OrdinalIgnoreCase) && options.Provider == S3Provider.Auto)
            {
                options = options with { Provider = S3Provider.R2 };
            }

            return new S3BackupStore(bucket, prefix, options);
        }

        if (spec.Contains("://", StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("StoreSchemeInvalid", $"The store '{spec}' has a scheme BackupOps does not know. Use a folder path or s3://bucket/prefix (r2://bucket/prefix for Cloudflare R2).");
        }

        return new LocalDirectoryStore(spec);
    }

    private static bool IsValidBucketName(string bucket) =>
        bucket.Length is >= 3 and <= 63 && bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-');
}
