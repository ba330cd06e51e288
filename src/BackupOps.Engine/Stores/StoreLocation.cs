using System.Text.RegularExpressions;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>
/// Parses a store argument (<c>s3://bucket/prefix</c>, <c>r2://bucket/prefix</c> or a folder) and opens the store.
/// Strict on purpose: a spec that looks like a URI but is not one (<c>s3:bucket</c>, <c>S3//bucket</c>) would
/// otherwise become a local folder of that name, and a <c>..</c> in a prefix would become part of every key.
/// </summary>
public static partial class StoreLocation
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
            var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].TrimEnd('/');
            if (!IsValidBucketName(bucket))
            {
                throw BackupOpsException.InvalidInput("StoreBucketInvalid", $"'{bucket}' is not a valid bucket name in -Store / --store '{spec}'. Bucket names are 3-63 characters of a-z, 0-9, '.' and '-'; write the store as s3://bucket/prefix.");
            }

            if (prefix.Length > 0 && prefix.Split('/').FirstOrDefault(s => s is "" or "." or "..") is { } segment)
            {
                throw BackupOpsException.InvalidInput("StorePrefixInvalid", $"The prefix '{prefix}' in the store '{spec}' has {(segment.Length == 0 ? "an empty" : $"a '{segment}'")} segment. S3 keys are not paths: it would become part of every key. Write the prefix without '.', '..' or '//', for example s3://{bucket}/prod/daily.");
            }

            var options = s3Options ?? S3StoreOptions.FromEnvironment();
            if (spec.StartsWith("r2://", StringComparison.OrdinalIgnoreCase) && options.Provider == S3Provider.Auto)
            {
                options = options with { Provider = S3Provider.R2 };
            }

            return new S3BackupStore(bucket, prefix, options);
        }

        RefuseLookalikes(spec);
        return new LocalDirectoryStore(spec);
    }

    /// <summary>
    /// Opens a store for reading its catalog (listings, status): a folder store that does not exist is
    /// <c>StoreNotFound</c>, as a missing bucket is <c>S3BucketNotFound</c>. Read as an empty store, a mistyped path
    /// made <c>status</c> report nothing wrong, so a monitor stayed green. Writing commands create the folder.
    /// </summary>
    public static IBackupStore OpenExisting(string? spec, S3StoreOptions? s3Options = null)
    {
        var store = Open(spec, s3Options);
        if (store is LocalDirectoryStore folder && !Directory.Exists(folder.Root))
        {
            throw FolderNotFound(folder.Root);
        }

        return store;
    }

    /// <summary>
    /// Refuses a folder store that does not exist (StoreNotFound) without opening or creating anything: a restore reads
    /// from the store, so a missing one is a mistyped path, and recording the failed run there would create the folder.
    /// S3 stores are not checked here (a missing bucket is S3BucketNotFound when it is read).
    /// </summary>
    public static void RequireExistingFolder(string? spec)
    {
        if (MissingFolder(spec) is { } root)
        {
            throw FolderNotFound(root);
        }
    }

    /// <summary>The full path of a folder store that does not exist yet; null for an existing folder or an S3 store.</summary>
    public static string? MissingFolder(string? spec)
    {
        spec = string.IsNullOrWhiteSpace(spec) ? DefaultSpec : spec.Trim();
        if (spec.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("r2://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        RefuseLookalikes(spec);
        var root = new LocalDirectoryStore(spec).Root;
        return Directory.Exists(root) ? null : root;
    }

    private static BackupOpsException FolderNotFound(string root) =>
        new(BackupOpsErrorKind.NotFound, "StoreNotFound", $"The store folder '{root}' does not exist. Fix -Store / --store (or BACKUP_DIR); the first backup into a store creates it.") { Target = root };

    private static void RefuseLookalikes(string spec)
    {
        if (spec.Contains("://", StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("StoreSchemeInvalid", $"The store '{spec}' has a scheme BackupOps does not know. Use a folder path or s3://bucket/prefix (r2://bucket/prefix for Cloudflare R2).");
        }

        // "S3//x": the colon forgotten.
        var missingColon = MissingColon().Match(spec);
        if (missingColon.Success)
        {
            var scheme = missingColon.Groups["scheme"].Value.ToLowerInvariant();
            throw BackupOpsException.InvalidInput("StoreSchemeInvalid", $"The store '{spec}' looks like an S3 URI without its ':'. Write {scheme}://{spec[missingColon.Length..]} for S3, or ./{spec} for a local folder of that name.");
        }

        // "s3:x", "r2:/x", "gs:x": a scheme of two or more letters ("C:" stays a Windows drive) without "//".
        var schemeLike = SchemeWithoutSlashes().Match(spec);
        if (schemeLike.Success)
        {
            var scheme = schemeLike.Groups["scheme"].Value.ToLowerInvariant();
            var rest = spec[schemeLike.Length..].TrimStart('/');
            var fix = scheme is "s3" or "r2"
                ? $"Write {scheme}://{rest} for S3, or ./{spec} for a local folder of that name."
                : $"Use s3://bucket/prefix (r2://bucket/prefix for Cloudflare R2), or ./{spec} for a local folder of that name.";
            throw BackupOpsException.InvalidInput("StoreSchemeInvalid", $"The store '{spec}' looks like a URI ('{scheme}:') but is not one: the '//' is missing. {fix}");
        }
    }

    private static bool IsValidBucketName(string bucket) =>
        bucket.Length is >= 3 and <= 63 && bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-');

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+):")]
    private static partial Regex SchemeWithoutSlashes();

    [GeneratedRegex(@"^(?<scheme>[sS]3|[rR]2)//")]
    private static partial Regex MissingColon();
}
