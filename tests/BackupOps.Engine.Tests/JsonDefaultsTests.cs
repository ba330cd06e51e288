using BackupOps.Engine.Lifecycle;
using BackupOps.Engine.Manifest;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// JSON the engine reads keeps the defaults of what it leaves out, through the source-generated metadata the Native
/// AOT CLI needs (a property assigned from a generated object initializer got null or 0 instead).
/// </summary>
public sealed class JsonDefaultsTests
{
    [Fact]
    public void A_manifest_without_the_fields_later_versions_added_reads_with_their_defaults()
    {
        const string json = """
            { "backupId": "20260101T000000000Z-abcdef", "database": "shop", "sourceServer": "db:5432", "serverVersion": "15.1",
              "pgDumpVersion": "15.1", "startedUtc": "2026-01-01T00:00:00Z", "completedUtc": "2026-01-01T00:00:01Z",
              "durationSeconds": 1, "dataKey": "pg/shop/20260101T000000000Z-abcdef.dump", "sizeBytes": 10, "sha256": "00",
              "compressionLevel": 6, "options": { "noOwner": false, "noPrivileges": false, "includeTables": [], "excludeTables": [] },
              "toolVersion": "0.1.0", "host": "h", "schema": { "tables": 2 } }
            """;

        var manifest = ManifestSerializer.Deserialize(System.Text.Encoding.UTF8.GetBytes(json), "m.json");

        Assert.Equal(BackupManifest.CurrentFormatVersion, manifest.FormatVersion);
        Assert.Equal("postgresql", manifest.Kind);
        Assert.Equal("custom", manifest.Format);
        Assert.Null(manifest.Codec);
        Assert.Equal(2, manifest.Schema.Tables);
        Assert.NotNull(manifest.Schema.TableRows);
        Assert.Empty(manifest.Schema.TableRows);
    }

    [Fact]
    public void A_lifecycle_template_that_leaves_out_legal_holds_and_prefixes_gets_empty_ones()
    {
        var path = Path.Combine(Path.GetTempPath(), $"template-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "version": 1, "buckets": [ { "bucket": "b", "rules": [ { "name": "r", "phases": [ { "afterDays": 30, "storageClass": "InfrequentAccess" } ] } ] } ] }""");
        try
        {
            var policy = LifecycleTemplate.Load(path).For("b");

            Assert.NotNull(policy);
            Assert.Empty(policy.LegalHoldPrefixes);
            Assert.Equal(string.Empty, Assert.Single(policy.Rules).Prefix);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
