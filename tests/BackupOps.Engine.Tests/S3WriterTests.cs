using System.Security.Cryptography;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>The multipart writer's buffer handling and part limits, against the real RGW.</summary>
public sealed class S3WriterTests
{
    private const int MiB = 1024 * 1024;

    [Theory]
    [InlineData(0L, 5)]
    [InlineData(4L * 1024 * MiB, 5)]
    [InlineData(40_000_000_000L, 6)]
    [InlineData(200_000_000_000L, 29)]
    [InlineData(20_000_000_000_000L, 1024)]
    public void Part_size_grows_so_one_and_a_half_times_the_database_fits_in_ten_thousand_parts(long databaseBytes, int expectedMiB)
    {
        var chosen = new S3StoreOptions().PartSizeFor(databaseBytes);

        Assert.Equal(expectedMiB * MiB, chosen);
        Assert.True(databaseBytes * 1.5 <= (double)chosen * S3StoreOptions.MaximumParts || chosen == 1024 * MiB);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(5 * MiB)]
    [InlineData(11 * MiB + 12345)]
    public async Task Objects_written_in_odd_chunks_come_back_byte_for_byte(int size)
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("writer");
        var data = RandomNumberGenerator.GetBytes(size);
        using var client = s3.CreateClient();

        await using (var writer = new S3MultipartWriter(client, s3.Options, S3StoreOptions.MinimumPartSize, bucket, "obj"))
        {
            // 7777-byte writes cross the small first buffer's growth steps and the part boundaries unaligned.
            for (var offset = 0; offset < size; offset += 7777)
            {
                await writer.WriteAsync(data.AsMemory(offset, Math.Min(7777, size - offset)), default);
            }

            await writer.CommitAsync(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), default);
        }

        await using var store = StoreLocation.Open($"s3://{bucket}", s3.Options);
        await using var read = await store.OpenReadAsync("obj", default);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
    }

    [Fact]
    public async Task An_upload_that_outgrows_its_part_limit_is_refused_with_the_fix_and_leaves_nothing()
    {
        var s3 = S3TestServer.Shared;
        var bucket = await s3.CreateBucketAsync("parts");
        var chunk = RandomNumberGenerator.GetBytes(S3StoreOptions.MinimumPartSize);
        using var client = s3.CreateClient();

        var error = await Assert.ThrowsAsync<BackupOpsException>(async () =>
        {
            await using var writer = new S3MultipartWriter(client, s3.Options, S3StoreOptions.MinimumPartSize, bucket, "big", maximumParts: 2);
            for (var i = 0; i < 4; i++)
            {
                await writer.WriteAsync(chunk, default);
            }

            await writer.CommitAsync(string.Empty, default);
        });

        Assert.Equal("S3TooManyParts", error.ErrorId);
        Assert.Contains("--part-size-mb", error.Message, StringComparison.Ordinal);
        Assert.Empty(await s3.ListKeysAsync(bucket));
        Assert.Equal(0, await s3.CountMultipartUploadsAsync(bucket));
    }
}
