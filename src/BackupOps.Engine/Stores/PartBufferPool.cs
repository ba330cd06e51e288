using System.Collections.Concurrent;

namespace BackupOps.Engine.Stores;

/// <summary>
/// The part buffers of one multipart upload. A writer holds at most (concurrency + 1) parts at once, so this
/// pool never grows past that, and its arrays die with the writer: unlike the shared ArrayPool, which rounds a
/// 5 MiB request up to 8 MiB and keeps returned arrays for the life of the process, memory is exactly
/// (concurrency + 1) × part size for as long as the upload runs and nothing afterwards (measured in
/// docs/benchmark.md).
/// </summary>
internal sealed class PartBufferPool(int partSize)
{
    private readonly ConcurrentBag<byte[]> _free = [];

    /// <summary>The size of every buffer this pool hands out.</summary>
    public int PartSize { get; } = partSize;

    /// <summary>A free buffer, or a new one; a part's bytes are always written before they are read.</summary>
    public byte[] Rent() => _free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(PartSize);

    /// <summary>Gives a buffer back once its part has been uploaded (or abandoned).</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length == PartSize)
        {
            _free.Add(buffer);
        }
    }
}
