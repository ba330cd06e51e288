using System.Text.Json;
using System.Text.Json.Serialization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Manifest;

/// <summary>Reads and writes manifests as indented camelCase JSON.</summary>
public static class ManifestSerializer
{
    private static readonly JsonSerializerOptions Options = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>Serialises a manifest to UTF-8 JSON.</summary>
    public static byte[] Serialize<TManifest>(TManifest manifest)
        where TManifest : IBackupManifest => JsonSerializer.SerializeToUtf8Bytes(manifest, Options.Info<TManifest>());

    /// <summary>Parses a manifest; a damaged or newer-format manifest is an error naming the key.</summary>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> json, string key) => Deserialize<BackupManifest>(json, key);

    /// <summary>Parses a manifest of a given kind; a damaged or newer-format manifest is an error naming the key.</summary>
    public static TManifest Deserialize<TManifest>(ReadOnlySpan<byte> json, string key)
        where TManifest : class, IBackupManifest
    {
        TManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, Options.Info<TManifest>());
        }
        catch (JsonException ex)
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "ManifestInvalid", $"The manifest {key} is not valid JSON ({ex.Message}). The backup cannot be trusted; restore another one.", ex) { Target = key };
        }

        if (manifest is null || manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
        {
            throw new BackupOpsException(BackupOpsErrorKind.IntegrityFailed, "ManifestUnsupported", $"The manifest {key} has format version {manifest?.FormatVersion}; this BackupOps reads up to {BackupManifest.CurrentFormatVersion}. Upgrade BackupOps.") { Target = key };
        }

        return manifest;
    }
}
