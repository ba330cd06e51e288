using System.Diagnostics;
using System.Text;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Tools;

/// <summary>
/// A running external tool: its stdout/stdin streams for the data path, its stderr collected (the last 16 KiB,
/// redacted) for error messages, and a kill that takes the whole process tree so nothing keeps writing.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int StderrLimit = 16 * 1024;
    private readonly Process _process;
    private readonly SecretRedactor _redactor;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;

    internal ChildProcess(string name, Process process, SecretRedactor redactor)
    {
        Name = name;
        _process = process;
        _redactor = redactor;
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    /// <summary>The tool's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The process id (tests use it to kill a tool mid-stream).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The tool's standard output.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>The tool's standard input (only when started with input redirected).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>The redacted tail of what the tool wrote to stderr so far.</summary>
    public string ErrorText
    {
        get
        {
            lock (_stderr)
            {
                return _redactor.Redact(_stderr.ToString().Trim());
            }
        }
    }

    /// <summary>Waits for exit and throws a clear error (with the tool's redacted stderr) if it failed.</summary>
    public async Task WaitForSuccessAsync(string errorId, string what, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            var detail = ErrorText;
            throw new BackupOpsException(
                BackupOpsErrorKind.OperationFailed,
                errorId,
                $"{what} failed: {Name} exited with code {_process.ExitCode}{(detail.Length > 0 ? ": " + detail : ".")}");
        }
    }

    /// <summary>Waits for exit without judging the exit code (for tools whose output says more than their code).</summary>
    public async Task WaitForExitQuietlyAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
    }

    /// <summary>Exit code once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Kills the tool and its children; harmless when it already exited.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _stderrPump.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // the pipe broke because the process was killed
        }

        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new char[4096];
        var reader = _process.StandardError;
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, read);
                if (_stderr.Length > StderrLimit)
                {
                    _stderr.Remove(0, _stderr.Length - StderrLimit);
                }
            }
        }
    }
}
