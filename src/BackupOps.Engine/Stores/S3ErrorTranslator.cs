using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Stores;

/// <summary>Turns AWS SDK failures into operator-facing errors that name the fix and hold no secret.</summary>
internal static class S3ErrorTranslator
{
    /// <summary>The one error for a bucket that does not exist (a typo in a name must never read as "empty").</summary>
    public static BackupOpsException BucketNotFound(string bucket) =>
        new(BackupOpsErrorKind.NotFound, "S3BucketNotFound", $"The bucket '{bucket}' does not exist at this endpoint. Create it first or fix the bucket name (-Store / --store s3://bucket/prefix, -Bucket / --bucket).") { Target = bucket };

    public static BackupOpsException Translate(Exception exception, string bucket, string what)
    {
        if (exception is BackupOpsException known)
        {
            return known;
        }

        if (exception is AmazonS3Exception s3)
        {
            return (s3.ErrorCode, s3.StatusCode) switch
            {
                ("NoSuchBucket", _) => BucketNotFound(bucket),
                ("InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken", _) => new BackupOpsException(BackupOpsErrorKind.AuthenticationFailed, "S3AuthenticationFailed", $"The S3 endpoint refused the credentials ({s3.ErrorCode}) while trying to {what}. Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or -S3Credential.") { Target = bucket },
                ("AccessDenied", _) or (_, HttpStatusCode.Forbidden) => new BackupOpsException(BackupOpsErrorKind.AuthenticationFailed, "S3AccessDenied", $"Access to bucket '{bucket}' was denied while trying to {what}. The key needs s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject and s3:AbortMultipartUpload on it.") { Target = bucket },
                ("NoSuchKey", _) or (_, HttpStatusCode.NotFound) => new BackupOpsException(BackupOpsErrorKind.NotFound, "S3ObjectNotFound", $"An object was not found in bucket '{bucket}' while trying to {what}.") { Target = bucket },
                _ => new BackupOpsException(BackupOpsErrorKind.OperationFailed, "S3RequestFailed", $"S3 request failed while trying to {what} in bucket '{bucket}': {s3.ErrorCode ?? ((int)s3.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)} {s3.Message}".TrimEnd()) { Target = bucket },
            };
        }

        // No keys in the environment and none in the SDK's chain (profile, instance role): the SDK's text is four chained
        // exceptions about EC2 instance metadata, which is neither the cause an operator has nor a network problem.
        if (exception is AmazonClientException && exception.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return new BackupOpsException(BackupOpsErrorKind.InvalidInput, "S3CredentialsMissing", $"No S3 credentials were found while trying to {what}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for R2, an API token's access key pair), or an AWS profile.", exception) { Target = bucket };
        }

        if (exception is HttpRequestException or AmazonClientException or IOException or System.Net.Sockets.SocketException)
        {
            return new BackupOpsException(BackupOpsErrorKind.ConnectionFailed, "S3EndpointUnreachable", $"The S3 endpoint could not be reached while trying to {what}: {exception.Message} Check AWS_ENDPOINT_URL and the network.", exception) { Target = bucket };
        }

        return new BackupOpsException(BackupOpsErrorKind.OperationFailed, "S3RequestFailed", $"S3 request failed while trying to {what}: {exception.Message}", exception) { Target = bucket };
    }
}
