using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// What an operator, a disk or a script does to a store behind BackupOps' back, done for real on the stored
/// bytes: manifests aged or edited, data with flipped bits or replaced by garbage.
/// </summary>
internal static class StoreSurgery
{
    /// <summary>Moves a backup's recorded start time into the past (how the tests age backups without sleeping).</summary>
    public static async Task AgeManifestAsync(string manifestPath, TimeSpan by) =>
        await EditJsonAsync(manifestPath, m => m["startedUtc"] = (DateTimeOffset.Parse(m["startedUtc"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) - by).ToString("O"));

    public static async Task AgeManifestAsync(AmazonS3Client client, string bucket, string key, TimeSpan by)
    {
        var node = await GetJsonAsync(client, bucket, key);
        node["startedUtc"] = (DateTimeOffset.Parse(node["startedUtc"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) - by).ToString("O");
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = node.ToJsonString() });
    }

    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

    /// <summary>Replaces a file's content by random bytes of exactly the same length.</summary>
    public static void SameSizeGarbage(string path)
    {
        var length = new FileInfo(path).Length;
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes((int)length));
    }

    /// <summary>Changes the SHA-256 the manifest records (the data stays as it was).</summary>
    public static Task EditManifestHashAsync(string manifestPath) =>
        EditJsonAsync(manifestPath, m => m["sha256"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());

    /// <summary>Garbage of the same size, and the manifest re-hashed to match it: only a look at the content can tell.</summary>
    public static async Task GarbageAndRehashAsync(string dataPath, string manifestPath)
    {
        SameSizeGarbage(dataPath);
        var hash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(dataPath))).ToLowerInvariant();
        await EditJsonAsync(manifestPath, m => m["sha256"] = hash);
    }

    public static async Task FlipByteAsync(AmazonS3Client client, string bucket, string key)
    {
        using var original = await client.GetObjectAsync(bucket, key);
        using var copy = new MemoryStream();
        await original.ResponseStream.CopyToAsync(copy);
        var bytes = copy.ToArray();
        bytes[bytes.Length / 2] ^= 0x01;
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes) });
    }

    private static async Task EditJsonAsync(string path, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        edit(node);
        await File.WriteAllTextAsync(path, node.ToJsonString());
    }

    private static async Task<JsonObject> GetJsonAsync(AmazonS3Client client, string bucket, string key)
    {
        using var response = await client.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(response.ResponseStream);
        return JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
    }
}
