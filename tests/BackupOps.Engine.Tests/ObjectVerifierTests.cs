using System.Security.Cryptography;
using System.Text;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Integrity;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Sampled objects are streamed and hashed; intact ones pass, a tampered one is reported, not skipped.</summary>
public sealed class ObjectVerifierTests
{
    private static S3TestServer S3 => S3TestServer.Shared;

    [Fact]
    public async Task Intact_objects_pass_on_every_reference_and_a_tampered_backup_is_flagged()
    {
        var pg = PostgresServer.Shared;
        var bucket = await S3.CreateBucketAsync("verify");
        var source = await pg.CreateDatabaseAsync("verify");
        await SampleDatabase.SeedAsync(pg, source, incompressibleMegabytes: 6);
        var backup = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = pg.Settings(source), Store = $"s3://{bucket}", S3 = S3.Options }, null, default);

        using var client = S3.CreateClient();
        var receipt = Encoding.UTF8.GetBytes("receipt 42");
        var put = new PutObjectRequest { BucketName = bucket, Key = "assets/receipt-42.pdf", InputStream = new MemoryStream(receipt) };
        put.Metadata.Add("sha256", Convert.ToHexString(SHA256.HashData(receipt)).ToLowerInvariant());
        await client.PutObjectAsync(put);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "assets/qr-7.png", ContentBody = "qr 7" });

        using var keep = new TempFolder();
        var all = (await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, S3 = S3.Options, Mode = SampleMode.All, Destination = keep.Path }, null, default))
            .Where(c => !c.Key.StartsWith("runs/", StringComparison.Ordinal)).ToList(); // the backup's run record is checked too, but not counted here

        Assert.Equal(4, all.Count);
        Assert.All(all, c => Assert.Equal(ObjectCheckOutcome.Passed, c.Outcome));
        Assert.Equal(HashReference.Manifest, all.Single(c => c.Key == backup.Manifest.DataKey).Reference);         // multipart: the manifest vouches
        Assert.Equal(HashReference.MetadataSha256, all.Single(c => c.Key == backup.ManifestKey).Reference);       // manifests carry x-amz-meta-sha256
        Assert.Equal(HashReference.MetadataSha256, all.Single(c => c.Key == "assets/receipt-42.pdf").Reference);
        Assert.Equal(HashReference.EtagMd5, all.Single(c => c.Key == "assets/qr-7.png").Reference);               // weaker, and said so
        Assert.Equal(backup.Manifest.Sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(keep.Path, backup.Manifest.DataKey)))).ToLowerInvariant());

        // Tamper: same key, other bytes; the manifest still records the original hash.
        var tampered = new byte[1024];
        RandomNumberGenerator.Fill(tampered);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = backup.Manifest.DataKey, InputStream = new MemoryStream(tampered) });
        var again = await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, Prefix = "pg/", S3 = S3.Options, Mode = SampleMode.All }, null, default);

        var flagged = Assert.Single(again, c => c.Outcome == ObjectCheckOutcome.Failed);
        Assert.Equal(backup.Manifest.DataKey, flagged.Key);
        Assert.Contains(backup.Manifest.Sha256, flagged.Detail, StringComparison.Ordinal);
        Assert.Equal(2, again.Count);
    }

    [Fact]
    public async Task Sampling_takes_the_newest_or_a_reproducible_random_set_and_multipart_without_hash_is_unverified()
    {
        var bucket = await S3.CreateBucketAsync("sample");
        using var client = S3.CreateClient();
        for (var i = 0; i < 8; i++)
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"s/{i}.txt", ContentBody = $"object {i}" });
            await Task.Delay(1100); // distinct LastModified seconds
        }

        var newest = await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, S3 = S3.Options, Count = 3 }, null, default);
        Assert.Equal(["s/7.txt", "s/6.txt", "s/5.txt"], newest.Select(c => c.Key).ToArray());

        var first = await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, S3 = S3.Options, Mode = SampleMode.Random, Count = 4, Seed = 7 }, null, default);
        var second = await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, S3 = S3.Options, Mode = SampleMode.Random, Count = 4, Seed = 7 }, null, default);
        Assert.Equal(first.Select(c => c.Key), second.Select(c => c.Key));

        var init = await client.InitiateMultipartUploadAsync(bucket, "big/multipart.bin");
        var part = await client.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "big/multipart.bin", UploadId = init.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1000]) });
        await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "big/multipart.bin", UploadId = init.UploadId, PartETags = [new PartETag(1, part.ETag)] });
        var unverified = Assert.Single(await ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, Prefix = "big/", S3 = S3.Options }, null, default));
        Assert.Equal(ObjectCheckOutcome.Unverified, unverified.Outcome);

        Assert.Equal("SampleCountInvalid", (await Assert.ThrowsAsync<BackupOpsException>(() => ObjectVerifier.VerifyAsync(new ObjectVerifyRequest { Bucket = bucket, S3 = S3.Options, Count = 0 }, null, default))).ErrorId);
    }
}
