namespace BackupOps.Engine.Stores;

/// <summary>Which S3 implementation a bucket lives on; each needs different client settings.</summary>
public enum S3Provider
{
    /// <summary>Decide from the endpoint: <c>*.r2.cloudflarestorage.com</c> is R2, no endpoint is AWS, anything else generic.</summary>
    Auto,
    /// <summary>Amazon S3: SSE AES256 by default, aws:kms with a key id.</summary>
    Aws,
    /// <summary>Cloudflare R2: region <c>auto</c>, no SSE header (R2 encrypts at rest and rejects SSE-S3/KMS), unsigned payloads over TLS.</summary>
    R2,
    /// <summary>Another S3-compatible server (Ceph RGW, MinIO): path-style addressing, no SSE unless asked.</summary>
    Generic,
}

/// <summary>Server-side encryption requested for uploads.</summary>
public enum S3ServerSideEncryption
{
    /// <summary>The provider's default: AES256 on AWS, none on R2 and generic servers.</summary>
    Default,
    /// <summary>No SSE header.</summary>
    None,
    /// <summary>SSE-S3 (<c>AES256</c>).</summary>
    Aes256,
    /// <summary>SSE-KMS (<c>aws:kms</c>) with <see cref="S3StoreOptions.KmsKeyId"/>.</summary>
    Kms,
    /// <summary>SSE-C with a customer key (<see cref="S3StoreOptions.CustomerKey"/>); the key is needed for every read.</summary>
    CustomerKey,
}
