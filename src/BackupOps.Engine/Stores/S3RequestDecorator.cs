using Amazon.S3;
using Amazon.S3.Model;

namespace BackupOps.Engine.Stores;

/// <summary>Applies the provider profile and encryption settings to each kind of request.</summary>
internal sealed class S3RequestDecorator(S3StoreOptions options)
{
    private readonly S3Provider _provider = options.EffectiveProvider;

    private S3ServerSideEncryption EffectiveEncryption => options.Encryption switch
    {
        S3ServerSideEncryption.Default => _provider == S3Provider.Aws ? S3ServerSideEncryption.Aes256 : S3ServerSideEncryption.None,
        var other => other,
    };

    /// <summary>True when R2 is the target: it does not implement streaming (chunked) SigV4 payloads.</summary>
    private bool UnsignedPayload => _provider == S3Provider.R2;

    public void Apply(PutObjectRequest request)
    {
        ApplyServerSide(request);
        ApplyCustomerKey(request);
        if (UnsignedPayload)
        {
            request.DisablePayloadSigning = true;
            request.UseChunkEncoding = false;
        }
    }

    public void Apply(InitiateMultipartUploadRequest request)
    {
        switch (EffectiveEncryption)
        {
            case S3ServerSideEncryption.Aes256:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
            case S3ServerSideEncryption.Kms:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
                break;
            case S3ServerSideEncryption.CustomerKey:
                request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
                request.ServerSideEncryptionCustomerProvidedKey = options.CustomerKey;
                break;
        }
    }

    public void Apply(UploadPartRequest request)
    {
        if (EffectiveEncryption == S3ServerSideEncryption.CustomerKey)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = options.CustomerKey;
        }

        if (UnsignedPayload)
        {
            request.DisablePayloadSigning = true;
        }
    }

    public void Apply(GetObjectRequest request)
    {
        if (EffectiveEncryption == S3ServerSideEncryption.CustomerKey)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = options.CustomerKey;
        }
    }

    public void Apply(GetObjectMetadataRequest request)
    {
        if (EffectiveEncryption == S3ServerSideEncryption.CustomerKey)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = options.CustomerKey;
        }
    }

    private void ApplyServerSide(PutObjectRequest request)
    {
        switch (EffectiveEncryption)
        {
            case S3ServerSideEncryption.Aes256:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
            case S3ServerSideEncryption.Kms:
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
                break;
        }
    }

    private void ApplyCustomerKey(PutObjectRequest request)
    {
        if (EffectiveEncryption == S3ServerSideEncryption.CustomerKey)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = options.CustomerKey;
        }
    }
}
