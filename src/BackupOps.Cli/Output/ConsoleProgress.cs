using System.Globalization;
using BackupOps.Engine.Progress;

namespace BackupOps.Cli.Output;

/// <summary>
/// A single self-overwriting progress line on stderr when stderr is a terminal; silent otherwise, so cron mail
/// and CI logs get only results.
/// </summary>
internal sealed class ConsoleProgress : IProgress<OperationProgress>, IDisposable
{
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private readonly object _gate = new();
    private bool _dirty;

    public void Report(OperationProgress value)
    {
        if (!_enabled)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{value.Activity}: {value.Status} {Bytes.Format(value.BytesDone)}{(value.BytesTotal is { } total ? " of " + Bytes.Format(total) : string.Empty)}{(value.BytesPerSecond > 0 ? $" at {Bytes.Format((long)value.BytesPerSecond)}/s" : string.Empty)}");
        var width = Math.Max(20, SafeWidth() - 1);
        lock (_gate)
        {
            Console.Error.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
            _dirty = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_dirty)
            {
                Console.Error.Write("\r" + new string(' ', Math.Max(20, SafeWidth() - 1)) + "\r");
                _dirty = false;
            }
        }
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
