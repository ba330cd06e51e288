using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>Endpoint, credentials and upload tuning for an S3-compatible store.</summary>
public sealed record S3StoreOptions
{
    /// <summary>Smallest part size S3 accepts for all but the last part.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>Endpoint URL (<c>AWS_ENDPOINT_URL</c>); null for AWS's own endpoints.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Region (<c>AWS_REGION</c>); R2 uses <c>auto</c>.</summary>
    public string? Region { get; init; }

    /// <summary>Access key id (<c>AWS_ACCESS_KEY_ID</c>).</summary>
    public string? AccessKey { get; init; }

    /// <summary>Secret access key (<c>AWS_SECRET_ACCESS_KEY</c>); never printed.</summary>
    public string? SecretKey { get; init; }

    /// <summary>The provider profile.</summary>
    public S3Provider Provider { get; init; } = S3Provider.Auto;

    /// <summary>Cloudflare account id (<c>R2_ACCOUNT_ID</c>); gives the R2 endpoint when no endpoint is set.</summary>
    public string? R2AccountId { get; init; }

    /// <summary>Server-side encryption for uploads.</summary>
    public S3ServerSideEncryption Encryption { get; init; } = S3ServerSideEncryption.Default;

    /// <summary>KMS key id for <see cref="S3ServerSideEncryption.Kms"/>.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>Base64 256-bit key for SSE-C; never printed.</summary>
    public string? CustomerKey { get; init; }

    /// <summary>
    /// S3 Object Lock retention set at upload on data objects and manifests (null: none). From
    /// <c>BACKUPOPS_OBJECT_LOCK</c> / <c>BACKUPOPS_OBJECT_LOCK_DAYS</c>, or the backup verbs' lock options.
    /// </summary>
    public ObjectLockSettings? ObjectLock { get; init; }

    /// <summary>Most parts one multipart upload may have (S3 and R2).</summary>
    public const int MaximumParts = 10_000;

    /// <summary>
    /// Smallest multipart part size; every part but the last has exactly the chosen size (R2 requires equal
    /// parts). S3's 5 MiB minimum keeps the upload's buffers at 15 MiB: 8 MiB parts cost 12 MB more peak RSS
    /// for no measurable speed (docs/benchmark.md); larger objects get larger parts,
    /// see <see cref="PartSizeFor"/>.
    /// </summary>
    public int PartSizeBytes { get; init; } = MinimumPartSize;

    /// <summary>Parts uploaded at once; memory use is about (this + 1) × part size.</summary>
    public int MaxConcurrentParts { get; init; } = 2;

    /// <summary>Default <see cref="StallTimeout"/>: a minute of silence is far beyond any healthy pause of S3 or R2.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Variable for <see cref="StallTimeout"/> in whole seconds.</summary>
    public const string StallTimeoutVariable = "BACKUPOPS_STALL_TIMEOUT_SECONDS";

    /// <summary>
    /// How long a request may go without a byte moving (sent or received) before it fails as stalled. Slow transfers
    /// that keep moving are never cut; silence is not retried (see docs/reliability.md for the worst case).
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    /// <summary>
    /// Deadline of each request on a failure path (abort the upload, write the failure record): the smaller of 10 s
    /// and <see cref="StallTimeout"/>, so cleaning up after a dead server cannot take longer than the failure itself.
    /// </summary>
    public TimeSpan CleanupTimeout => StallTimeout < TimeSpan.FromSeconds(10) ? StallTimeout : TimeSpan.FromSeconds(10);

    /// <summary>The endpoint for messages (no credentials in it).</summary>
    public string EndpointDisplay => EffectiveEndpoint ?? $"AWS S3 ({Region ?? "us-east-1"})";

    /// <summary>The provider after resolving <see cref="S3Provider.Auto"/>.</summary>
    public S3Provider EffectiveProvider => Provider != S3Provider.Auto
        ? Provider
        : EffectiveEndpoint switch
        {
            null => S3Provider.Aws,
            var e when e.Contains(".r2.cloudflarestorage.com", StringComparison.OrdinalIgnoreCase) => S3Provider.R2,
            var e when e.Contains("amazonaws.com", StringComparison.OrdinalIgnoreCase) => S3Provider.Aws,
            _ => S3Provider.Generic,
        };

    /// <summary>The endpoint after applying the R2 account id.</summary>
    public string? EffectiveEndpoint => Endpoint ?? (R2AccountId is null ? null : $"https://{R2AccountId}.r2.cloudflarestorage.com");

    /// <summary>Reads the standard AWS variables plus BackupOps' own (<c>BACKUPOPS_S3_PROVIDER</c>, <c>BACKUPOPS_SSE</c>, <c>BACKUPOPS_KMS_KEY_ID</c>, <c>BACKUPOPS_SSE_C_KEY</c>, <c>R2_ACCOUNT_ID</c>).</summary>
    public static S3StoreOptions FromEnvironment()
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var options = new S3StoreOptions
        {
            Endpoint = Env("AWS_ENDPOINT_URL_S3") ?? Env("AWS_ENDPOINT_URL"),
            Region = Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION"),
            AccessKey = Env("AWS_ACCESS_KEY_ID"),
            SecretKey = Env("AWS_SECRET_ACCESS_KEY"),
            R2AccountId = Env("R2_ACCOUNT_ID"),
            KmsKeyId = Env("BACKUPOPS_KMS_KEY_ID"),
            CustomerKey = Env("BACKUPOPS_SSE_C_KEY"),
            ObjectLock = ObjectLockSettings.Resolve(null, null),
        };
        if (Env("BACKUPOPS_S3_PROVIDER") is { } provider)
        {
            options = options with { Provider = ParseProvider(provider) };
        }

        if (Env("BACKUPOPS_SSE") is { } sse)
        {
            options = options with { Encryption = ParseEncryption(sse) };
        }

        if (Env("BACKUPOPS_S3_PART_SIZE_MB") is { } partSize)
        {
            options = options with { PartSizeBytes = ParsePartSizeMegabytes(partSize) };
        }

        if (Env(StallTimeoutVariable) is { } stall)
        {
            options = options with { StallTimeout = ParseStallTimeoutSeconds(stall) };
        }

        return options;
    }

    /// <summary>Parses <c>auto|aws|r2|generic</c>.</summary>
    public static S3Provider ParseProvider(string text) => text.Trim().ToUpperInvariant() switch
    {
        "AUTO" => S3Provider.Auto,
        "AWS" or "S3" => S3Provider.Aws,
        "R2" or "CLOUDFLARE" => S3Provider.R2,
        "GENERIC" or "CEPH" or "RGW" or "MINIO" => S3Provider.Generic,
        _ => throw BackupOpsException.InvalidInput("S3ProviderInvalid", $"Unknown S3 provider '{text}'. Use auto, aws, r2 or generic."),
    };

    /// <summary>Parses <c>default|none|AES256|aws:kms|sse-c</c>.</summary>
    public static S3ServerSideEncryption ParseEncryption(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DEFAULT" => S3ServerSideEncryption.Default,
        "NONE" => S3ServerSideEncryption.None,
        "AES256" or "SSE-S3" => S3ServerSideEncryption.Aes256,
        "AWS:KMS" or "KMS" or "SSE-KMS" => S3ServerSideEncryption.Kms,
        "SSE-C" or "CUSTOMER" => S3ServerSideEncryption.CustomerKey,
        _ => throw BackupOpsException.InvalidInput("S3EncryptionInvalid", $"Unknown server-side encryption '{text}'. Use default, none, AES256, aws:kms or sse-c."),
    };

    /// <summary>Parses a part size in MiB and checks S3's limits.</summary>
    public static int ParsePartSizeMegabytes(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) && mb is >= 5 and <= 1024
            ? mb * 1024 * 1024
            : throw BackupOpsException.InvalidInput("S3PartSizeInvalid", $"The part size '{text}' MiB is out of range. Use a whole number of MiB from 5 to 1024.");

    /// <summary>Parses a stall deadline in whole seconds (1 to 3600).</summary>
    public static TimeSpan ParseStallTimeoutSeconds(string text) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw BackupOpsException.InvalidInput("StallTimeoutInvalid", $"The stall deadline '{text}' is not a whole number of seconds from 1 to 3600 ({StallTimeoutVariable}, or --stall-timeout-seconds for backupops; the default is {DefaultStallTimeout.TotalSeconds:0}).");

    /// <summary>
    /// The part size for an object of about <paramref name="expectedBytes"/>: at least <see cref="PartSizeBytes"/>,
    /// and large enough that 1.5 × the estimate fits in <see cref="MaximumParts"/> parts (a dump can outgrow the
    /// database's on-disk size when TOAST data compresses worse in the dump), rounded up to whole MiB.
    /// </summary>
    public int PartSizeFor(long expectedBytes)
    {
        const long MiB = 1024 * 1024;
        var needed = expectedBytes / 2 * 3 / MaximumParts;
        var rounded = (needed + MiB - 1) / MiB * MiB;
        return (int)Math.Clamp(rounded, PartSizeBytes, Math.Max(PartSizeBytes, 1024 * MiB));
    }

    /// <summary>Checks the combination before anything is sent.</summary>
    public void Validate()
    {
        if (PartSizeBytes < MinimumPartSize)
        {
            throw BackupOpsException.InvalidInput("S3PartSizeInvalid", $"The part size {PartSizeBytes} bytes is below S3's 5 MiB minimum.");
        }

        if (StallTimeout < TimeSpan.FromSeconds(1) || StallTimeout > TimeSpan.FromHours(1))
        {
            throw BackupOpsException.InvalidInput("StallTimeoutInvalid", $"The stall deadline {StallTimeout.TotalSeconds:0.#} s is out of range; use 1 to 3600 seconds ({StallTimeoutVariable}, or --stall-timeout-seconds for backupops).");
        }

        if (MaxConcurrentParts is < 1 or > 16)
        {
            throw BackupOpsException.InvalidInput("S3ConcurrencyInvalid", $"Upload concurrency {MaxConcurrentParts} is out of range; use 1 to 16.");
        }

        if (EffectiveProvider == S3Provider.R2 && Encryption is S3ServerSideEncryption.Aes256 or S3ServerSideEncryption.Kms)
        {
            throw BackupOpsException.InvalidInput("S3EncryptionUnsupported", "Cloudflare R2 encrypts every object at rest and rejects SSE-S3/SSE-KMS headers. Leave server-side encryption at 'default' for R2, or use age encryption (-Recipient) for client-side encryption.");
        }

        if (EffectiveProvider == S3Provider.R2 && ObjectLock is { SetsObjectRetention: true })
        {
            throw BackupOpsException.InvalidInput("S3ObjectLockUnsupported", $"Cloudflare R2 has no per-object retention ({ObjectLock.ModeName}). Add an R2 bucket lock rule of at least {ObjectLock.Days} days (wrangler r2 bucket lock add, or the bucket's settings in the dashboard) and use the lock mode bucket-rule instead.");
        }

        if (Encryption == S3ServerSideEncryption.Kms && string.IsNullOrWhiteSpace(KmsKeyId))
        {
            throw BackupOpsException.InvalidInput("S3KmsKeyMissing", "aws:kms encryption needs a key id. Set BACKUPOPS_KMS_KEY_ID or pass the KMS key id option.");
        }

        if (Encryption == S3ServerSideEncryption.CustomerKey)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(CustomerKey ?? string.Empty);
            }
            catch (FormatException)
            {
                key = [];
            }

            if (key.Length != 32)
            {
                throw BackupOpsException.InvalidInput("S3CustomerKeyInvalid", "SSE-C needs a base64-encoded 256-bit key in BACKUPOPS_SSE_C_KEY (for example: openssl rand -base64 32).");
            }
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            throw BackupOpsException.InvalidInput("S3CredentialsIncomplete", "Only one of the S3 access key and secret key is set. Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass -S3Credential.");
        }
    }

    /// <summary>Registers the secret key and the SSE-C key with a redactor.</summary>
    public void RegisterSecrets(SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        redactor.Add(SecretKey);
        redactor.Add(CustomerKey);
    }
}
