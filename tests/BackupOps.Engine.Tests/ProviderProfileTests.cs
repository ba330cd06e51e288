using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Provider profiles (R2, AWS, generic) and server-side encryption.</summary>
public sealed class ProviderProfileTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Theory]
    [InlineData(null, null, S3Provider.Aws)]
    [InlineData("https://abc123.r2.cloudflarestorage.com", null, S3Provider.R2)]
    [InlineData(null, "abc123", S3Provider.R2)]
    [InlineData("https://s3.eu-west-1.amazonaws.com", null, S3Provider.Aws)]
    [InlineData("http://127.0.0.1:7480", null, S3Provider.Generic)]
    public void Provider_is_detected_from_the_endpoint(string? endpoint, string? account, S3Provider expected) =>
        Assert.Equal(expected, new S3StoreOptions { Endpoint = endpoint, R2AccountId = account }.EffectiveProvider);

    [Fact]
    public void R2_gets_no_sse_header_and_unsigned_payloads_while_AWS_defaults_to_AES256()
    {
        var r2 = new S3RequestDecorator(new S3StoreOptions { R2AccountId = "abc" });
        var r2Put = new PutObjectRequest();
        r2.Apply(r2Put);
        Assert.Null(r2Put.ServerSideEncryptionMethod);
        Assert.True(r2Put.DisablePayloadSigning);
        Assert.False(r2Put.UseChunkEncoding);

        var aws = new S3RequestDecorator(new S3StoreOptions());
        var awsPut = new PutObjectRequest();
        aws.Apply(awsPut);
        Assert.Equal(ServerSideEncryptionMethod.AES256, awsPut.ServerSideEncryptionMethod);
        var kms = new S3RequestDecorator(new S3StoreOptions { Encryption = S3ServerSideEncryption.Kms, KmsKeyId = "key-1" });
        var initiate = new InitiateMultipartUploadRequest();
        kms.Apply(initiate);
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, initiate.ServerSideEncryptionMethod);
        Assert.Equal("key-1", initiate.ServerSideEncryptionKeyManagementServiceKeyId);
    }

    [Theory]
    [InlineData(S3ServerSideEncryption.Aes256, "S3EncryptionUnsupported")]
    [InlineData(S3ServerSideEncryption.Kms, "S3EncryptionUnsupported")]
    public void R2_rejects_sse_s3_and_kms_with_the_reason(S3ServerSideEncryption encryption, string errorId)
    {
        var error = Assert.Throws<BackupOpsException>(() => new S3StoreOptions { R2AccountId = "abc", Encryption = encryption, KmsKeyId = "k" }.Validate());
        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains("R2 encrypts every object at rest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_sse_c_keys_and_half_credentials_are_rejected()
    {
        Assert.Equal("S3CustomerKeyInvalid", Assert.Throws<BackupOpsException>(() => new S3StoreOptions { Encryption = S3ServerSideEncryption.CustomerKey, CustomerKey = "short" }.Validate()).ErrorId);
        Assert.Equal("S3KmsKeyMissing", Assert.Throws<BackupOpsException>(() => new S3StoreOptions { Encryption = S3ServerSideEncryption.Kms }.Validate()).ErrorId);
        Assert.Equal("S3CredentialsIncomplete", Assert.Throws<BackupOpsException>(() => new S3StoreOptions { AccessKey = "a" }.Validate()).ErrorId);
    }

    [Fact]
    public async Task SSE_C_backup_on_RGW_restores_with_the_key_and_cannot_be_read_without_it()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("ssec");
        var source = await Pg.CreateDatabaseAsync("ssec");
        await SampleDatabase.SeedAsync(Pg, source, incompressibleMegabytes: 7);
        var expected = await SampleDatabase.FingerprintAsync(Pg, source);
        var options = s3.Options with { Encryption = S3ServerSideEncryption.CustomerKey, CustomerKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        var store = $"s3://{bucket}";

        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = Pg.Settings(source), Store = store, S3 = options }, null, default);

        using (var client = s3.CreateClient())
        {
            var withoutKey = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.GetObjectAsync(bucket, backup.Manifest.DataKey));
            Assert.Equal(400, (int)withoutKey.StatusCode);
        }

        var target = Pg.NewDatabaseName("ssec_target");
        var result = await PgRestoreEngine.RunAsync(new PgRestoreRequest { TargetServer = Pg.Settings(), Store = store, S3 = options, BackupId = backup.BackupId, TargetDatabase = target }, null, default);
        Assert.True(result.Succeeded);
        Assert.Equal(expected, await SampleDatabase.FingerprintAsync(Pg, target));
    }
}
