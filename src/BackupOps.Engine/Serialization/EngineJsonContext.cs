using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BackupOps.Engine.Serialization;

/// <summary>
/// Source-generated JSON metadata for everything the engine writes and reads (manifests, run and verification records,
/// drill files and reports, lifecycle templates, the temp-folder owner file, the webhook payload). Reflection-based
/// System.Text.Json needs runtime code generation, which the CLI's Native AOT binary does not have; each caller keeps
/// its own <see cref="JsonSerializerOptions"/> (naming, null handling, comments) and takes this context as the
/// options' resolver, so the JSON is the same as before.
/// <para>
/// A property with an initializer, in a type read here, is <c>set</c> rather than <c>init</c>: generated metadata
/// can assign init-only properties only in one object initializer with all of them, so one missing from the JSON
/// (an older manifest, a drill file that leaves a default out) would get null or 0 instead of its initializer.
/// </para>
/// </summary>
[JsonSerializable(typeof(Manifest.BackupManifest))]
[JsonSerializable(typeof(Physical.BaseBackupManifest))]
[JsonSerializable(typeof(Redis.RedisSnapshotManifest))]
[JsonSerializable(typeof(Health.RunRecord))]
[JsonSerializable(typeof(Health.WebhookPayload))]
[JsonSerializable(typeof(Verification.VerificationRecord))]
[JsonSerializable(typeof(Drill.DrillConfig))]
[JsonSerializable(typeof(Drill.DrillReport))]
[JsonSerializable(typeof(Lifecycle.LifecycleTemplate))]
[JsonSerializable(typeof(Leftovers.TempLeftovers.Owner))]
internal sealed partial class EngineJsonContext : JsonSerializerContext
{
}

/// <summary>Typed metadata from options whose resolver is <see cref="EngineJsonContext"/>.</summary>
internal static class EngineJson
{
    /// <summary>Options as given, resolving through <see cref="EngineJsonContext"/>; made read-only by first use.</summary>
    public static JsonSerializerOptions WithContext(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = EngineJsonContext.Default;
        return options;
    }

    /// <summary>The metadata of <typeparamref name="T"/> under <paramref name="options"/> (a type missing from the context throws).</summary>
    public static JsonTypeInfo<T> Info<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
