using Amazon.S3;
using Amazon.S3.Model;

namespace BackupOps.Engine.Stores;

/// <summary>Applies the provider profile and encryption settings to each kind of request.</summary>
internal sealed class S3RequestDecorator
{
    private readonly ServerSideEncryptionMethod? _serverSideMethod;
    private readonly string? _kmsKeyId;
    private readonly string? _customerKey;

    /// <summary>R2 does not implement streaming (chunked) SigV4 payloads: send UNSIGNED-PAYLOAD over TLS.</summary>
    private readonly bool _unsignedPayload;

    public S3RequestDecorator(S3StoreOptions options)
    {
        var provider = options.EffectiveProvider;
        var encryption = options.Encryption == S3ServerSideEncryption.Default
            ? provider == S3Provider.Aws ? S3ServerSideEncryption.Aes256 : S3ServerSideEncryption.None
            : options.Encryption;
        _serverSideMethod = encryption switch
        {
            S3ServerSideEncryption.Aes256 => ServerSideEncryptionMethod.AES256,
            S3ServerSideEncryption.Kms => ServerSideEncryptionMethod.AWSKMS,
            _ => null,
        };
        _kmsKeyId = encryption == S3ServerSideEncryption.Kms ? options.KmsKeyId : null;
        _customerKey = encryption == S3ServerSideEncryption.CustomerKey ? options.CustomerKey : null;
        _unsignedPayload = provider == S3Provider.R2;
    }

    public void Apply(PutObjectRequest request)
    {
        if (_serverSideMethod is not null)
        {
            request.ServerSideEncryptionMethod = _serverSideMethod;
            request.ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId;
        }

        if (_customerKey is not null)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        }

        if (_unsignedPayload)
        {
            request.DisablePayloadSigning = true;
            request.UseChunkEncoding = false;
        }
    }

    public void Apply(InitiateMultipartUploadRequest request)
    {
        if (_serverSideMethod is not null)
        {
            request.ServerSideEncryptionMethod = _serverSideMethod;
            request.ServerSideEncryptionKeyManagementServiceKeyId = _kmsKeyId;
        }

        if (_customerKey is not null)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        }
    }

    public void Apply(UploadPartRequest request)
    {
        if (_customerKey is not null)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        }

        request.DisablePayloadSigning = _unsignedPayload ? true : request.DisablePayloadSigning;
    }

    public void Apply(GetObjectRequest request)
    {
        if (_customerKey is not null)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        }
    }

    public void Apply(GetObjectMetadataRequest request)
    {
        if (_customerKey is not null)
        {
            request.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            request.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        }
    }
}
