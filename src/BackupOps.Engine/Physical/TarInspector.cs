using System.Text;

namespace BackupOps.Engine.Physical;

/// <summary>
/// Watches a tar stream go by (pg_basebackup's output, before compression) and keeps the few members a base
/// backup's manifest needs — <c>backup_label</c>, <c>backup_manifest</c>, <c>PG_VERSION</c>, <c>global/pg_control</c> —
/// while counting files and bytes. It only reads headers and those members: the data itself is not copied.
/// </summary>
internal sealed class TarInspector
{
    private static readonly HashSet<string> Wanted = new(StringComparer.Ordinal) { "backup_label", "backup_manifest", "PG_VERSION", "global/pg_control", "tablespace_map" };
    private const int MaxCaptured = 256 << 20;
    private readonly byte[] _header = new byte[512];
    private readonly Dictionary<string, byte[]> _captured = new(StringComparer.Ordinal);
    private int _headerFilled;
    private long _remaining;
    private long _padding;
    private string? _capturing;
    private System.Buffers.ArrayBufferWriter<byte>? _capture;

    /// <summary>Regular files seen.</summary>
    public int Files { get; private set; }

    /// <summary>Bytes of file content seen.</summary>
    public long ContentBytes { get; private set; }

    /// <summary>A captured member, or null.</summary>
    public byte[]? Member(string name) => _captured.GetValueOrDefault(name);

    /// <summary>A captured member as text, or null.</summary>
    public string? Text(string name) => Member(name) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, data.Length);
                if (_capture is not null)
                {
                    System.Buffers.BuffersExtensions.Write(_capture, data[..take]);
                }

                _remaining -= take;
                data = data[take..];
                if (_remaining == 0)
                {
                    FinishMember();
                }

                continue;
            }

            if (_padding > 0)
            {
                var skip = (int)Math.Min(_padding, data.Length);
                _padding -= skip;
                data = data[skip..];
                continue;
            }

            var copy = Math.Min(512 - _headerFilled, data.Length);
            data[..copy].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += copy;
            data = data[copy..];
            if (_headerFilled == 512)
            {
                _headerFilled = 0;
                StartMember();
            }
        }
    }

    private void StartMember()
    {
        if (_header.All(b => b == 0))
        {
            return; // end-of-archive blocks
        }

        var name = Field(0, 100);
        var prefix = Field(345, 155);
        if (prefix.Length > 0)
        {
            name = prefix + "/" + name;
        }

        var size = ParseOctal(Field(124, 12));
        var type = (char)_header[156];
        _remaining = size;
        _padding = (512 - (size % 512)) % 512;
        if (type is '0' or '\0')
        {
            Files++;
            ContentBytes += size;
            if (Wanted.Contains(name) && size <= MaxCaptured)
            {
                _capturing = name;
                _capture = new System.Buffers.ArrayBufferWriter<byte>((int)Math.Max(1, size));
            }
        }

        if (_remaining == 0)
        {
            FinishMember();
        }
    }

    private void FinishMember()
    {
        if (_capturing is not null && _capture is not null)
        {
            _captured[_capturing] = _capture.WrittenSpan.ToArray();
        }

        _capturing = null;
        _capture = null;
    }

    private string Field(int offset, int length)
    {
        var span = _header.AsSpan(offset, length);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]).Trim();
    }

    private static long ParseOctal(string text) => text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
}
