using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;
using BackupOps.Engine.Signing;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Redis snapshots are signed like dumps (#13 Build 5, "manifests, run records and Redis snapshots alike"), against
/// real redis-server 7 and RGW: a signed snapshot restores into a running server with the trusted key; a replaced
/// export with a re-hashed manifest, or an unsigned one, is refused before the target server receives a key.
/// </summary>
public sealed class SignedRedisSnapshotTests
{
    [Theory]
    [InlineData("folder")]
    [InlineData("s3")]
    public async Task A_signed_snapshot_restores_with_its_trusted_key_and_a_tampered_one_leaves_the_target_empty(string storeKind)
    {
        await using var source = await RedisTestServer.StartAsync();
        await using var target = await RedisTestServer.StartAsync();
        using var folder = new TempFolder();
        var key = await SigningKeys.GenerateAsync(Path.Combine(folder.Path, "keys"), default);
        var store = storeKind == "s3" ? $"s3://{await S3TestServer.Shared.CreateBucketAsync("redis-signed")}/snapshots" : Path.Combine(folder.Path, "store");
        var s3 = storeKind == "s3" ? S3TestServer.Shared.Options : null;
        using (var connection = await source.ConnectAsync())
        {
            await connection.GetDatabase().StringSetAsync("genuine", "1");
        }

        var snapshot = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = source.Settings, Store = store, S3 = s3, SourceName = "cache", Logical = true, SigningKeyFile = key.PrivateKeyPath }, null, default);
        Assert.Equal(key.Fingerprint, snapshot.Manifest.SigningKey);
        var request = new RedisRestoreRequest { Store = store, S3 = s3, SnapshotId = snapshot.BackupId, Mode = RedisRestoreMode.IntoServer, Target = target.Settings, TrustedKeyFiles = [key.PublicKeyPath], Replace = true };

        var restored = await RedisRestoreEngine.RunAsync(request, null, default);
        Assert.True(restored.Succeeded, string.Join("\n", restored.Checks));
        Assert.Contains(restored.Checks, c => c.Name == "signature" && c.Outcome == CheckOutcome.Passed && c.Detail == $"signature verified (key {key.Fingerprint})");
        using (var connection = await target.ConnectAsync())
        {
            Assert.Equal("1", (string?)await connection.GetDatabase().StringGetAsync("genuine"));
            await connection.Server.FlushAllDatabasesAsync();
        }

        // The attacker's export (their own server, their keys), copied over the data object; the manifest re-hashed.
        using (var connection = await source.ConnectAsync())
        {
            await connection.Server.FlushAllDatabasesAsync();
            await connection.GetDatabase().StringSetAsync("attacker", "1");
        }

        var theirs = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = source.Settings, Store = Path.Combine(folder.Path, "attacker"), SourceName = "cache", Logical = true }, null, default);
        var attackerBytes = await File.ReadAllBytesAsync(Path.Combine(folder.Path, "attacker", theirs.Manifest.DataKey));
        await using (var opened = StoreLocation.Open(store, s3))
        {
            var manifestKey = snapshot.ManifestKey;
            var manifest = JsonNode.Parse((await opened.TryGetSmallAsync(manifestKey, default))!)!;
            var dataKey = (string)manifest["dataKey"]!;
            var sha256 = Convert.ToHexString(SHA256.HashData(attackerBytes)).ToLowerInvariant();
            await opened.DeleteAsync(dataKey, default);
            await using (var writer = await opened.BeginWriteAsync(dataKey, attackerBytes.Length, default))
            {
                await writer.WriteAsync(attackerBytes, default);
                await writer.CommitAsync(sha256, default);
            }

            manifest["sha256"] = sha256;
            manifest["sizeBytes"] = attackerBytes.Length;
            await opened.ReplaceSmallAsync(manifestKey, Encoding.UTF8.GetBytes(manifest.ToJsonString()), default);
        }

        var refused = await Assert.ThrowsAsync<BackupOpsException>(() => RedisRestoreEngine.RunAsync(request, null, default));
        Assert.Equal("BackupSignatureInvalid", refused.ErrorId);
        Assert.Equal(BackupOpsErrorKind.IntegrityFailed, refused.Kind);
        using (var connection = await target.ConnectAsync())
        {
            Assert.Equal(0, await connection.Server.DatabaseSizeAsync());
        }

        // An unsigned snapshot is refused the same way when a signature is required.
        var unsigned = await RedisSnapshotEngine.RunAsync(new RedisSnapshotRequest { Connection = source.Settings, Store = store, S3 = s3, SourceName = "plain", Logical = true }, null, default);
        Assert.Null(unsigned.Manifest.SigningKey);
        var missing = await Assert.ThrowsAsync<BackupOpsException>(() => RedisRestoreEngine.RunAsync(request with { SnapshotId = unsigned.BackupId }, null, default));
        Assert.Equal("BackupSignatureMissing", missing.ErrorId);
        using (var connection = await target.ConnectAsync())
        {
            Assert.Equal(0, await connection.Server.DatabaseSizeAsync());
        }
    }
}
