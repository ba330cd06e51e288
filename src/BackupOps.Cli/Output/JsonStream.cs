using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace BackupOps.Cli.Output;

/// <summary>
/// One --json document written as it is produced: the caller opens objects and arrays and writes each element when it
/// has it, and every <see cref="Flush"/> hands what is complete to the output, so a long listing shows its first
/// elements at once and is still a single valid JSON document when it ends (same formatting as <see cref="JsonOutput"/>).
/// </summary>
internal sealed class JsonStream(TextWriter output) : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private Utf8JsonWriter? _json;

    /// <summary>The writer for property names, values and structure.</summary>
    public Utf8JsonWriter Json => _json ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = true });

    /// <summary>Writes one value with --json's conventions (camelCase, enums as strings, nulls left out).</summary>
    public void Value<T>(T value) => JsonSerializer.Serialize(Json, value, (JsonTypeInfo<T>)JsonOutput.Options.GetTypeInfo(typeof(T)));

    /// <summary>Writes a named value.</summary>
    public void Property<T>(string name, T value)
    {
        Json.WritePropertyName(name);
        Value(value);
    }

    /// <summary>Hands everything written so far to the output.</summary>
    public void Flush()
    {
        Json.Flush();
        output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        output.Flush();
        _buffer.ResetWrittenCount();
    }

    /// <summary>Ends the document with its line break.</summary>
    public void Complete()
    {
        Flush();
        output.WriteLine();
    }

    /// <inheritdoc />
    public void Dispose() => _json?.Dispose();
}
