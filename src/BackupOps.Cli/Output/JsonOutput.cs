using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackupOps.Cli.Output;

/// <summary>Machine-readable output for --json: camelCase, enums as strings, one document per command.</summary>
internal static class JsonOutput
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Options));
}
