using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>Builds an <see cref="AmazonS3Client"/> with the settings each provider needs.</summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StoreOptions options)
    {
        var provider = options.EffectiveProvider;
        var config = new AmazonS3Config
        {
            // The v4 SDK sends CRC32 trailers by default; Ceph RGW 16 rejects them (XAmzContentSHA256Mismatch)
            // and R2 documents the same setting. Integrity is BackupOps' own SHA-256 anyway.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Silence is cut much earlier by each request's StallGuard (S3StoreOptions.StallTimeout), which the SDK
            // does not retry; this timeout only bounds a request that keeps moving, and errors are retried.
            Timeout = TimeSpan.FromMinutes(5),
            MaxErrorRetry = 4,
        };

        var endpoint = options.EffectiveEndpoint;
        if (endpoint is not null)
        {
            // A mistyped endpoint is bad input with its fix, not "unreachable" after the SDK's retries.
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                throw BackupOpsException.InvalidInput("S3EndpointInvalid", $"The S3 endpoint '{endpoint}' is not an http(s) URL. Set AWS_ENDPOINT_URL to one, for example https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:7480.");
            }

            config.ServiceURL = endpoint;
            config.ForcePathStyle = provider != S3Provider.Aws;
            config.AuthenticationRegion = provider == S3Provider.R2 ? "auto" : options.Region ?? "us-east-1";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region ?? "us-east-1");
        }

        // Without explicit keys the SDK's default chain applies (profile, instance role, web identity).
        return options.AccessKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }
}
