using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests.Security;

/// <summary>
/// Signed run records and a status that checks signatures (#13 Build 5, "manifests, run records and Redis snapshots
/// alike"), through the real CLI against real PostgreSQL and a folder store: a signed backup's run records carry a
/// valid .sig; with a trusted key, status is Healthy for it, ignores (and counts) a store writer's unsigned failure
/// record, and turns Failing with BackupSignatureMissing when the store writer adds a newer unsigned backup. Without a
/// key, status is unchanged: the forged failure counts and the unsigned backup is Healthy.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SignedRunRecordTests
{
    private static PostgresServer Pg => PostgresServer.Shared;

    [Fact]
    public async Task Status_with_a_trusted_key_counts_only_signed_backups_and_run_records()
    {
        using var work = new TempFolder();
        var keys = Path.Combine(work.Path, "keys");
        Assert.Equal(0, (await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(), "key", "new", "--out", keys)).ExitCode);
        var privateKey = Path.Combine(keys, "backupops-signing.key");
        var publicKey = Path.Combine(keys, "backupops-signing.pub");
        var source = await Pg.CreateDatabaseAsync("runsig");
        await Pg.ExecuteAsync(source, "CREATE TABLE events (id int); INSERT INTO events SELECT generate_series(1, 50)");
        var store = Path.Combine(work.Path, "store");
        var env = new Dictionary<string, string?> { ["DATABASE_URL"] = Pg.OptionUrl(source), ["PGPASSWORD"] = Pg.Password };

        var backup = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store, "--signing-key", privateKey);
        Assert.True(backup.ExitCode == 0, backup.All);

        // The run's records: the success record with a .sig that verifies with the public key; the started record
        // and its signature are gone.
        var runs = Path.Combine(store, "runs", "postgresql", source);
        var files = Directory.GetFiles(runs).Select(Path.GetFileName).ToList();
        var success = Assert.Single(files, f => f!.EndsWith("-backup-success.json", StringComparison.Ordinal))!;
        Assert.Contains(success + ".sig", files);
        Assert.DoesNotContain(files, f => f!.Contains("-started.json", StringComparison.Ordinal));
        Assert.True(Verifies(publicKey, await File.ReadAllBytesAsync(Path.Combine(runs, success)), await File.ReadAllBytesAsync(Path.Combine(runs, success + ".sig"))), "the success record's signature must verify");
        Assert.False(Verifies(publicKey, Encoding.UTF8.GetBytes("{}"), await File.ReadAllBytesAsync(Path.Combine(runs, success + ".sig"))));

        var healthy = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey, "--json");
        Assert.True(healthy.ExitCode == 0, healthy.All);
        var report = JsonNode.Parse(healthy.Stdout)!;
        Assert.Equal("healthy", (string?)report["sources"]![0]!["state"]);
        Assert.True((bool)report["signaturesChecked"]!);
        Assert.Equal(0, (int)report["unsignedRunRecordsIgnored"]!);

        // A store writer fakes a failure of a newer run: unsigned, so ignored and counted with the key...
        var forgedId = BackupKeys.NewBackupId(DateTimeOffset.UtcNow);
        var forged = new JsonObject
        {
            ["formatVersion"] = 1, ["kind"] = "postgresql", ["source"] = source, ["operation"] = "backup", ["outcome"] = "failure", ["runId"] = forgedId,
            ["startedUtc"] = DateTimeOffset.UtcNow.ToString("O"), ["completedUtc"] = DateTimeOffset.UtcNow.ToString("O"), ["errorId"] = "ForgedFailure", ["error"] = "a store writer wrote this",
        };
        await File.WriteAllTextAsync(Path.Combine(runs, $"{forgedId}-backup-failure.json"), forged.ToJsonString());
        var ignoring = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey);
        Assert.True(ignoring.ExitCode == 0, ignoring.All);
        Assert.Contains("Healthy", ignoring.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("ForgedFailure", ignoring.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 unsigned run record ignored", ignoring.Stdout, StringComparison.Ordinal);

        // ... and a .sig of garbage beside it does not make it count either.
        await File.WriteAllBytesAsync(Path.Combine(runs, $"{forgedId}-backup-failure.json.sig"), RandomNumberGenerator.GetBytes(70));
        var garbage = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey);
        Assert.True(garbage.ExitCode == 0, garbage.All);
        Assert.Contains("1 unsigned run record ignored", garbage.Stdout, StringComparison.Ordinal);

        // Without a key the forged failure counts, as before signing existed (that is what the key is for).
        var fooledByFailure = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store);
        Assert.True(fooledByFailure.ExitCode == 1, fooledByFailure.All);
        Assert.Contains("[ForgedFailure]", fooledByFailure.Stdout, StringComparison.Ordinal);

        // Nor does a genuine signed record copied under another name (its signature covers the bytes, not the key).
        var replayedId = BackupKeys.NewBackupId(DateTimeOffset.UtcNow.AddSeconds(1));
        File.Copy(Path.Combine(runs, success), Path.Combine(runs, $"{replayedId}-backup-failure.json"));
        File.Copy(Path.Combine(runs, success + ".sig"), Path.Combine(runs, $"{replayedId}-backup-failure.json.sig"));
        var replayed = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey);
        Assert.True(replayed.ExitCode == 0, replayed.All);
        Assert.Contains("2 unsigned run records ignored", replayed.Stdout, StringComparison.Ordinal);

        // A store writer adds a newer unsigned backup (their own dump and manifest): with the key the source is Failing
        // with the signature id; the exit code is Failing's.
        await Task.Delay(2100); // a newer backup than the forged failures
        var unsigned = await BackupOpsCli.RunAsync(work.Path, env, "pg", "backup", "--store", store);
        Assert.True(unsigned.ExitCode == 0, unsigned.All);
        var failing = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey, "--json");
        Assert.True(failing.ExitCode == 1, failing.All);
        var failed = JsonNode.Parse(failing.Stdout)!["sources"]![0]!;
        Assert.Equal("failing", (string?)failed["state"]);
        Assert.Contains("[BackupSignatureMissing]", (string?)failed["reason"], StringComparison.Ordinal);
        var text = await BackupOpsCli.RunAsync(work.Path, new Dictionary<string, string?>(env) { ["BACKUPOPS_TRUSTED_KEYS"] = publicKey }, "status", "--store", store);
        Assert.True(text.ExitCode == 1, text.All);
        Assert.Contains("[BackupSignatureMissing]", text.Stdout, StringComparison.Ordinal);

        // The metrics say the same.
        var metrics = Path.Combine(work.Path, "backupops.prom");
        await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--trusted-key", publicKey, "--metrics-file", metrics);
        var prom = await File.ReadAllTextAsync(metrics);
        Assert.Contains($"backupops_status{{kind=\"postgresql\",database=\"{source}\",environment=\"\",status=\"failing\"}} 1", prom, StringComparison.Ordinal);
        Assert.Contains("backupops_unsigned_run_records_ignored{environment=\"\"} 2", prom, StringComparison.Ordinal);

        // Without a key the unsigned newer backup is Healthy: documented, unchanged behaviour.
        var fooled = await BackupOpsCli.RunAsync(work.Path, env, "status", "--store", store, "--json");
        Assert.True(fooled.ExitCode == 0, fooled.All);
        Assert.Equal("healthy", (string?)JsonNode.Parse(fooled.Stdout)!["sources"]![0]!["state"]);
        Assert.False((bool)JsonNode.Parse(fooled.Stdout)!["signaturesChecked"]!);
    }

    private static bool Verifies(string publicKeyFile, byte[] content, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(publicKeyFile));
        return key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }
}
