using System.Text;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Security;

/// <summary>
/// Input read from files and shown back in errors, bounded: a definition or template is a few kilobytes, so a path to
/// /dev/zero, /dev/urandom or a huge file is refused after a bounded read instead of filling memory; a value quoted in
/// an error is cut short and kept on one line, so a 10 MB or multi-line input cannot become a 10 MB or forged error.
/// </summary>
public static class BoundedInput
{
    /// <summary>The largest definition or template file read (1 MiB).</summary>
    public const int MaximumDefinitionBytes = 1 << 20;

    /// <summary>Reads a small text file (UTF-8), refusing a folder, a device or anything over <paramref name="maximumBytes"/>.</summary>
    public static string ReadDefinition(string path, string what, string errorId, int maximumBytes = MaximumDefinitionBytes)
    {
        if (Directory.Exists(path))
        {
            throw BackupOpsException.InvalidInput(errorId, $"The {what} '{Shown(path)}' is a folder. Give the path of the JSON file.");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan);
        var buffer = new byte[maximumBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = file.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        if (total > maximumBytes)
        {
            throw BackupOpsException.InvalidInput(errorId, $"The {what} '{Shown(path)}' is larger than {maximumBytes / 1024} KiB; a {what} is a few KiB of JSON. Give the right file.");
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer, 0, total);
        }
        catch (DecoderFallbackException)
        {
            throw BackupOpsException.InvalidInput(errorId, $"The {what} '{Shown(path)}' is not UTF-8 text. Give the JSON file.");
        }
    }

    /// <summary>A value as an error may quote it: control characters as '?', at most <paramref name="maximum"/> characters.</summary>
    public static string Shown(string? value, int maximum = 80)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var cut = value.Length > maximum ? value[..(maximum - 3)] : value;
        var text = new string(cut.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > maximum ? $"{text}... ({value.Length} characters)" : text;
    }

    /// <summary>True when <paramref name="value"/> holds a control character (NUL, newline, escape...).</summary>
    public static bool HasControl(string value) => value.Any(char.IsControl);
}
