using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BackupOps.Cli.Output;

/// <summary>Machine-readable output for --json: camelCase, enums as strings, one document per command.</summary>
internal static class JsonOutput
{
    // Enums as camelCase strings, one generic converter per enum type the documents hold: the non-generic
    // JsonStringEnumConverter builds its converters with runtime code generation, which Native AOT does not have.
    // A new enum in an output graph is refused on its first use (below) until it is listed here.
    private static readonly JsonConverter[] EnumConverters =
    [
        new JsonStringEnumConverter<Engine.Health.HealthState>(JsonNamingPolicy.CamelCase),
        new JsonStringEnumConverter<Engine.Integrity.HashReference>(JsonNamingPolicy.CamelCase),
        new JsonStringEnumConverter<Engine.Integrity.ObjectCheckOutcome>(JsonNamingPolicy.CamelCase),
        new JsonStringEnumConverter<Engine.Redis.RedisRestoreMode>(JsonNamingPolicy.CamelCase),
        new JsonStringEnumConverter<Engine.Restore.CheckOutcome>(JsonNamingPolicy.CamelCase),
    ];

    internal static readonly JsonSerializerOptions Options = CreateOptions();

    public static void Write<T>(TextWriter writer, T value) =>
        writer.WriteLine(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T))));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = CliJsonContext.Default.WithAddedModifier(RefuseUnlistedEnums),
        };
        foreach (var converter in EnumConverters)
        {
            options.Converters.Add(converter);
        }

        return options;
    }

    private static void RefuseUnlistedEnums(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Type.IsEnum && !Array.Exists(EnumConverters, c => c.CanConvert(typeInfo.Type)))
        {
            throw new InvalidOperationException($"--json would write {typeInfo.Type.Name} as a number: add its JsonStringEnumConverter to JsonOutput.EnumConverters.");
        }
    }
}
