using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Authenticated backups (#13 Build 5, Found 6) through the real CLI against real PostgreSQL, folder stores and Ceph RGW:
/// a signed backup restores and verifies with its trusted public key (and checks with stock openssl); with a trusted key
/// given, a replaced dump with a re-hashed manifest, an unsigned backup and a backup signed by another key are refused
/// with a stable error id before the target database exists; a private key file others can read is refused.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SignedBackupTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Key_new_writes_a_private_key_only_its_owner_can_read_prints_the_fingerprint_and_never_overwrites()
    {
        using var work = new TempFolder();
        var keys = Path.Combine(work.Path, "keys");

        var made = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "key", "new", "--out", keys);

        Assert.True(made.ExitCode == 0, made.All);
        var privateKey = Path.Combine(keys, "backupops-signing.key");
        var publicKey = Path.Combine(keys, "backupops-signing.pub");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKey));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(privateKey), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await File.ReadAllTextAsync(publicKey), StringComparison.Ordinal);
        Assert.Contains(Fingerprint(publicKey), made.Stdout, StringComparison.Ordinal);
        AssertNoPrivateKey(privateKey, made.All);

        var again = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "key", "new", "--out", keys);
        Assert.True(again.ExitCode == 2, again.All);
        Assert.Contains("[SigningKeyExists]", again.Stderr, StringComparison.Ordinal);
        Assert.Contains(Fingerprint(publicKey), made.Stdout, StringComparison.Ordinal); // the first key is still there
    }

    [Theory]
    [InlineData("folder")]
    [InlineData("s3")]
    public async Task A_signed_backup_restores_and_verifies_with_its_trusted_key_and_stock_openssl_checks_the_signature(string storeKind)
    {
        using var work = new TempFolder();
        var (privateKey, publicKey) = await NewKeyAsync(work.Path, "a");
        var source = await Pg.CreateDatabaseAsync("signed_rt");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int, note text); INSERT INTO events SELECT g, 'genuine' FROM generate_series(1, 100) g");
        var (store, env) = await StoreAsync(storeKind, work.Path, source);

        var dry = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey, "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains($"ok    signing key: manifests will be signed by {Fingerprint(publicKey)}", dry.Stdout, StringComparison.Ordinal);

        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey);
        Assert.True(backup.ExitCode == 0, backup.All);
        Assert.Contains($"signed by {Fingerprint(publicKey)}", backup.Stdout, StringComparison.Ordinal);

        // The manifest and its detached signature, as stored: stock openssl accepts the signature over the manifest's bytes.
        await using (var opened = StoreLocation.Open(store, storeKind == "s3" ? S3TestServer.Shared.Options : null))
        {
            var manifestKey = await SingleManifestKeyAsync(opened, source);
            var manifest = (await opened.TryGetSmallAsync(manifestKey, default))!;
            var signature = (await opened.TryGetSmallAsync(manifestKey + ".sig", default))!;
            Assert.Contains(Fingerprint(publicKey), Encoding.UTF8.GetString(manifest), StringComparison.Ordinal);
            var manifestFile = Path.Combine(work.Path, "manifest.json");
            var signatureFile = Path.Combine(work.Path, "manifest.json.sig");
            await File.WriteAllBytesAsync(manifestFile, manifest);
            await File.WriteAllBytesAsync(signatureFile, signature);
            Assert.Contains("Verified OK", Shell.Run("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile, manifestFile]), StringComparison.Ordinal);
            AssertNoPrivateKey(privateKey, Encoding.UTF8.GetString(manifest));
            if (storeKind == "folder")
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(store, manifestKey + ".sig")));
            }
        }

        var list = await BackupOpsCli.RunAsync(work.Path, env, "pg", "list", "--store", store, "--json");
        Assert.True(list.ExitCode == 0, list.All);
        var listed = JsonNode.Parse(list.Stdout)!;
        Assert.Equal(Fingerprint(publicKey), (string?)listed["backups"]![0]!["signingKey"]);
        Assert.Empty(listed["leftovers"]!.AsArray()); // the .sig belongs to its backup, it is no leftover

        var verify = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store, "--trusted-key", publicKey);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Contains($"signature verified (key {Fingerprint(publicKey)})", verify.Stdout, StringComparison.Ordinal);

        var unchecked_ = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store);
        Assert.True(unchecked_.ExitCode == 0, unchecked_.All);
        Assert.Contains("not checked", unchecked_.Stdout, StringComparison.Ordinal);

        var target = source + "_signed";
        var restore = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", target, "--trusted-key", publicKey);
        Assert.True(restore.ExitCode == 0, restore.All);
        Assert.Contains("PASSED  signature: signature verified", restore.Stdout, StringComparison.Ordinal);
        Assert.Equal(100L, await Pg.ScalarAsync(target, "SELECT count(*) FROM events WHERE note = 'genuine'"));
        AssertNoPrivateKey(privateKey, backup.All + list.All + verify.All + restore.All);
    }

    [Theory]
    [InlineData("folder")]
    [InlineData("s3")]
    public async Task A_replaced_dump_with_a_rehashed_manifest_is_refused_with_the_trusted_key_before_the_target_exists(string storeKind)
    {
        using var work = new TempFolder();
        var (privateKey, publicKey) = await NewKeyAsync(work.Path, "a");
        var source = await Pg.CreateDatabaseAsync("found6");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int, note text); INSERT INTO events SELECT g, 'genuine' FROM generate_series(1, 100) g");
        var (store, env) = await StoreAsync(storeKind, work.Path, source);
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey)).ExitCode);

        // The attacker's dump: the same table with their rows, backed up elsewhere and copied over the genuine data object.
        var attacker = await Pg.CreateDatabaseAsync("found6_attacker");
        await Pg.ExecuteAsync(attacker, "CREATE TABLE events (id int, note text); INSERT INTO events SELECT g, 'attacker' FROM generate_series(1, 100) g");
        var attackerStore = Path.Combine(work.Path, "attacker");
        var attackerEnv = new Dictionary<string, string?>(env) { ["DATABASE_URL"] = Pg.OptionUrl(attacker) };
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, attackerEnv, "pg", "backup", "--store", attackerStore)).ExitCode);
        var attackerDump = await File.ReadAllBytesAsync(Directory.GetFiles(Path.Combine(attackerStore, "pg", attacker), "*.dump.zst").Single());
        await using (var opened = StoreLocation.Open(store, storeKind == "s3" ? S3TestServer.Shared.Options : null))
        {
            await ReplaceDataAndRehashAsync(opened, await SingleManifestKeyAsync(opened, source), attackerDump);
        }

        var refusedTarget = source + "_refused";
        var refused = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", refusedTarget, "--trusted-key", publicKey);
        Assert.True(refused.ExitCode == 1, refused.All);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("[BackupSignatureInvalid]", line, StringComparison.Ordinal);
        Assert.Contains("changed after it was signed", line, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(refusedTarget), "the target must not be created");
        AssertNoPrivateKey(privateKey, refused.All);

        var verify = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store, "--trusted-key", publicKey);
        Assert.True(verify.ExitCode == 1, verify.All);
        Assert.Contains("[BackupSignatureInvalid]", verify.Stderr, StringComparison.Ordinal);

        // The same trust from the environment refuses it too, and a dry run refuses before looking at the target.
        var fromEnvironment = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TRUSTED_KEYS"] = publicKey }, "pg", "restore", "--store", store, "--latest", "--target-database", refusedTarget, "--dry-run");
        Assert.True(fromEnvironment.ExitCode == 1, fromEnvironment.All);
        Assert.Contains("[BackupSignatureInvalid]", fromEnvironment.Stderr, StringComparison.Ordinal);

        // Without a trusted key the attack still works, as before signing existed: that is what the key is for.
        var unchecked_ = source + "_unchecked";
        var fooled = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", unchecked_);
        Assert.True(fooled.ExitCode == 0, fooled.All);
        Assert.Equal(100L, await Pg.ScalarAsync(unchecked_, "SELECT count(*) FROM events WHERE note = 'attacker'"));
        Assert.Contains("WARNING signature: signed by", fooled.Stdout, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(refusedTarget));
    }

    [Fact]
    public async Task An_unsigned_backup_or_a_bare_file_is_refused_when_a_signature_is_required_and_an_existing_target_is_unchanged()
    {
        using var work = new TempFolder();
        var (_, publicKey) = await NewKeyAsync(work.Path, "a");
        var source = await Pg.CreateDatabaseAsync("unsigned");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 10)");
        var (store, env) = await StoreAsync("folder", work.Path, source);
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store)).ExitCode);
        var target = await Pg.CreateDatabaseAsync("unsigned_target");
        await Pg.ExecuteAsync(target, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)");

        var refused = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", target, "--force", "--trusted-key", publicKey);

        Assert.True(refused.ExitCode == 1, refused.All);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("[BackupSignatureMissing]", line, StringComparison.Ordinal);
        Assert.Contains("is not signed", line, StringComparison.Ordinal);
        Assert.Equal(7, Convert.ToInt32(await Pg.ScalarAsync(target, "SELECT id FROM kept"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0L, await Pg.ScalarAsync(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'events'"));

        var dump = Directory.GetFiles(Path.Combine(store, "pg", source), "*.dump.zst").Single();
        var bare = Path.Combine(work.Path, "copied.dump.zst");
        File.Copy(dump, bare);
        var fileTarget = source + "_file";
        var fromFile = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--file", bare, "--target-database", fileTarget, "--trusted-key", publicKey);
        Assert.True(fromFile.ExitCode == 1, fromFile.All);
        Assert.Contains("[BackupSignatureMissing]", fromFile.Stderr, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(fileTarget));

        var verify = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store, "--trusted-key", publicKey);
        Assert.True(verify.ExitCode == 1, verify.All);
        Assert.Contains("[BackupSignatureMissing]", verify.Stderr, StringComparison.Ordinal);

        // Without a trusted key it restores as before, and says the backup is unsigned.
        var plain = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", source + "_plain");
        Assert.True(plain.ExitCode == 0, plain.All);
        Assert.Contains("WARNING signature: unsigned", plain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backup_signed_by_another_key_is_refused_and_either_of_two_trusted_keys_is_accepted_during_rotation()
    {
        using var work = new TempFolder();
        var (oldPrivate, oldPublic) = await NewKeyAsync(work.Path, "old");
        var (newPrivate, newPublic) = await NewKeyAsync(work.Path, "new");
        var source = await Pg.CreateDatabaseAsync("rotation");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 25)");
        var (store, env) = await StoreAsync("folder", work.Path, source);
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", oldPrivate)).ExitCode);

        var wrongTarget = source + "_wrong";
        var wrong = await BackupOpsCli.RunAsync(work.Path, env, "pg", "restore", "--store", store, "--latest", "--target-database", wrongTarget, "--trusted-key", newPublic);
        Assert.True(wrong.ExitCode == 1, wrong.All);
        var line = Assert.Single(wrong.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("[BackupSignatureUntrusted]", line, StringComparison.Ordinal);
        Assert.Contains(Fingerprint(oldPublic), line, StringComparison.Ordinal);
        Assert.Contains("--trusted-key", line, StringComparison.Ordinal);
        Assert.False(await Pg.DatabaseExistsAsync(wrongTarget));

        // Rotation: the new key signs from now on; restore hosts trust both until the old backups age out.
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", newPrivate)).ExitCode);
        var rotated = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store, "--all", "--trusted-key", newPublic, "--trusted-key", oldPublic);
        Assert.True(rotated.ExitCode == 0, rotated.All);
        Assert.Contains($"key {Fingerprint(oldPublic)}", rotated.Stdout, StringComparison.Ordinal);
        Assert.Contains($"key {Fingerprint(newPublic)}", rotated.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 of 2 proven whole", rotated.Stdout, StringComparison.Ordinal);

        var oldId = Path.GetFileName(Directory.GetFiles(Path.Combine(store, "pg", source), "*.manifest.json").Order(StringComparer.Ordinal).First()).Split('.')[0];
        var fromEnvironment = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TRUSTED_KEYS"] = $"{newPublic}:{oldPublic}" }, "pg", "restore", "--store", store, "--backup-id", oldId, "--target-database", source + "_rotated");
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.All);
        Assert.Equal(25L, await Pg.ScalarAsync(source + "_rotated", "SELECT count(*) FROM events"));
    }

    [Fact]
    public async Task A_signing_key_others_can_read_or_a_private_key_given_as_trusted_is_refused_before_anything_runs()
    {
        using var work = new TempFolder();
        var (privateKey, _) = await NewKeyAsync(work.Path, "a");
        var source = await Pg.CreateDatabaseAsync("keymode");
        await Pg.ExecuteAsync(source, "CREATE TABLE t (id int)");
        var (store, env) = await StoreAsync("folder", work.Path, source);
        File.SetUnixFileMode(privateKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey);
        var fromEnvironment = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_SIGNING_KEY"] = privateKey }, "pg", "backup", "--store", store);

        foreach (var run in new[] { refused, fromEnvironment })
        {
            Assert.True(run.ExitCode == 2, run.All);
            var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("[SigningKeyNotPrivate]", line, StringComparison.Ordinal);
            Assert.Contains("0644", line, StringComparison.Ordinal);
            Assert.Contains($"chmod 600 '{privateKey}'", line, StringComparison.Ordinal);
            AssertNoPrivateKey(privateKey, run.All);
        }

        var dry = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey, "--dry-run");
        Assert.True(dry.ExitCode == 1, dry.All);
        Assert.Contains("FAIL  signing key:", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("chmod 600", dry.Stdout, StringComparison.Ordinal);

        Assert.False(Directory.Exists(Path.Combine(store, "pg")), "nothing is backed up with a key others can read");

        File.SetUnixFileMode(privateKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var asTrusted = await BackupOpsCli.RunAsync(work.Path, env, "pg", "verify", "--store", store, "--trusted-key", privateKey);
        Assert.True(asTrusted.ExitCode == 2, asTrusted.All);
        Assert.Contains("[TrustedKeyIsPrivate]", asTrusted.Stderr, StringComparison.Ordinal);
        AssertNoPrivateKey(privateKey, asTrusted.All);

        var publicAsSigning = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", Path.Combine(Path.GetDirectoryName(privateKey)!, "backupops-signing.pub"));
        Assert.True(publicAsSigning.ExitCode == 2, publicAsSigning.All);
        Assert.Contains("[SigningKeyIsPublic]", publicAsSigning.Stderr, StringComparison.Ordinal);
    }

    private static async Task<(string PrivateKey, string PublicKey)> NewKeyAsync(string work, string name)
    {
        var folder = Path.Combine(work, "keys-" + name);
        var made = await BackupOpsCli.RunAsync(work, new Dictionary<string, string?>(), "key", "new", "--out", folder);
        Assert.True(made.ExitCode == 0, made.All);
        return (Path.Combine(folder, "backupops-signing.key"), Path.Combine(folder, "backupops-signing.pub"));
    }

    private static async Task<(string Store, Dictionary<string, string?> Environment)> StoreAsync(string kind, string work, string database)
    {
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.OptionUrl(database), ["PGPASSWORD"] = Pg.Password };
        if (kind == "folder")
        {
            return (Path.Combine(work, "store"), env);
        }

        var s3 = S3TestServer.Shared;
        env["AWS_ENDPOINT_URL"] = s3.Options.Endpoint;
        env["AWS_ACCESS_KEY_ID"] = s3.Options.AccessKey;
        env["AWS_SECRET_ACCESS_KEY"] = s3.Options.SecretKey;
        return ($"s3://{await s3.CreateBucketAsync("signed")}/prod", env);
    }

    private static async Task<string> SingleManifestKeyAsync(IBackupStore store, string database)
    {
        var keys = new List<string>();
        await foreach (var item in store.ListAsync($"pg/{database}/", default))
        {
            keys.Add(item.Key);
        }

        return keys.Single(k => k.EndsWith(".manifest.json", StringComparison.Ordinal));
    }

    /// <summary>Found 6: replace the data object with other bytes and write their SHA-256 and size into the manifest.</summary>
    private static async Task ReplaceDataAndRehashAsync(IBackupStore store, string manifestKey, byte[] data)
    {
        var manifest = JsonNode.Parse((await store.TryGetSmallAsync(manifestKey, default))!)!;
        var dataKey = (string)manifest["dataKey"]!;
        var sha256 = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
        await store.DeleteAsync(dataKey, default);
        await using (var writer = await store.BeginWriteAsync(dataKey, data.Length, default))
        {
            await writer.WriteAsync(data, default);
            await writer.CommitAsync(sha256, default);
        }

        manifest["sha256"] = sha256;
        manifest["sizeBytes"] = data.Length;
        await store.ReplaceSmallAsync(manifestKey, Encoding.UTF8.GetBytes(manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })), default);
    }

    private static string Fingerprint(string publicKeyFile)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(publicKeyFile));
        return "sha256:" + Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo())).ToLowerInvariant();
    }

    /// <summary>Neither the PEM body nor the raw private scalar of the key may appear in <paramref name="text"/>.</summary>
    private static void AssertNoPrivateKey(string privateKeyFile, string text)
    {
        var pem = File.ReadAllText(privateKeyFile);
        var body = string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        var scalar = key.ExportParameters(true).D!;
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        foreach (var piece in new[] { body[..40], Convert.ToBase64String(scalar), Convert.ToHexString(scalar), Convert.ToHexString(scalar).ToLowerInvariant() })
        {
            Assert.DoesNotContain(piece, text, StringComparison.Ordinal);
        }
    }
}
