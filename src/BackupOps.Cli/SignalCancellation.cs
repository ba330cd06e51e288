using System.Runtime.InteropServices;

namespace BackupOps.Cli;

/// <summary>
/// Turns SIGTERM, SIGINT and SIGHUP into cancellation. The first signal cancels: the engine aborts the upload, removes
/// partial files, stops its children, drops its scratch database and records the run as cancelled, and the process
/// exits 130. A second signal, or cleanup still running after <see cref="CleanupBudget"/>, exits at once and says
/// what may be left (the next prune removes leftovers; systemd sends SIGKILL after 90 s anyway).
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    /// <summary>How long cleanup may take after the first signal.</summary>
    public static readonly TimeSpan CleanupBudget = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public SignalCancellation()
    {
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, OnSignal))];
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>The signal that cancelled the run, or null.</summary>
    public string? Received { get; private set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // no default termination: we exit ourselves, after cleaning up
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Received = context.Signal.ToString();
            Console.Error.WriteLine($"backupops: {Received} received: stopping and cleaning up (a second signal stops at once).");
            _ = Task.Run(async () =>
            {
                await _cancellation.CancelAsync().ConfigureAwait(false);
                await Task.Delay(CleanupBudget).ConfigureAwait(false);
                Console.Error.WriteLine($"backupops: cleanup did not finish within {CleanupBudget.TotalSeconds:0} s; exiting. Partial data may remain: 'backupops status' reports it and the next prune removes it.");
                Environment.Exit(ExitCodes.Cancelled);
            });
            return;
        }

        Console.Error.WriteLine($"backupops: {context.Signal} received again: exiting now. Partial data may remain: 'backupops status' reports it and the next prune removes it.");
        Environment.Exit(ExitCodes.Cancelled);
    }
}
