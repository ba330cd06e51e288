using System.Diagnostics;
using System.Text;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A running <c>backupops</c> process for fault tests: its output is collected as it arrives, a test can wait for a
/// line on stderr (such as the pause marker of <c>BACKUPOPS_TEST_PAUSE_AT</c>), send it a real signal, and wait for
/// its exit within a bound.
/// </summary>
public sealed class CliProcess : IDisposable
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>What the engine writes to stderr when it pauses at a test step (see docs/testing.md).</summary>
    public const string PausedMarker = "BACKUPOPS_TEST_PAUSED ";

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumps;

    private CliProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    public int Id => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public static CliProcess Start(string workingDirectory, IDictionary<string, string?> environment, params string[] arguments) =>
        new(Process.Start(BackupOpsCli.StartInfo(workingDirectory, environment, arguments))!);

    /// <summary>Waits until the pause marker for <paramref name="step"/> is on stderr; fails with the output when the process exits first.</summary>
    public Task WaitForPauseAsync(string step, TimeSpan? timeout = null) => WaitForStderrAsync(PausedMarker + step, timeout ?? TimeSpan.FromMinutes(2));

    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                await _pumps;
                if (Stderr.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                throw new InvalidOperationException($"backupops exited with {_process.ExitCode} before writing '{text}':\n{Stdout}\n{Stderr}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"backupops did not write '{text}' within {timeout}:\n{Stdout}\n{Stderr}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends a real POSIX signal to the process (with kill(1), as an operator or systemd would).</summary>
    public void Signal(int signal) => Shell.Run("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    /// <summary>Waits for the exit; a process still running after <paramref name="timeout"/> is killed and the test fails.</summary>
    public async Task<BackupOpsCli.Run> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"backupops was still running {timeout} later:\n{Stdout}\n{Stderr}");
        }

        await _pumps;
        return new BackupOpsCli.Run(_process.ExitCode, Stdout, Stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    }
}
