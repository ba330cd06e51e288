using System.Text.Json.Serialization;

namespace BackupOps.Engine.Wal;

/// <summary>
/// Source-generated JSON for the records archive_command reads on every call: reflection-based serialisation
/// costs about 30 ms of a process's first use, paid once per WAL segment.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(WalArchiveIdentity))]
[JsonSerializable(typeof(WalWorkerState))]
internal sealed partial class WalJsonContext : JsonSerializerContext
{
}
