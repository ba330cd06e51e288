using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>
/// Base of every BackupOps cmdlet: the cancellation that Ctrl+C (StopProcessing) triggers and path resolution.
/// No member of this or any public type names an engine type (any visibility): PowerShell loads every exported
/// type before the module initializer can teach the runtime where the engine is. Engine work runs through
/// <see cref="EngineRun"/> and the other internal helpers.
/// </summary>
public abstract class BackupOpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private int _activityId;

    /// <summary>Releases the cancellation source.</summary>
    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancelled by StopProcessing (Ctrl+C, PowerShell.Stop()).</summary>
    internal CancellationToken StopToken => _cancellation.Token;

    /// <summary>Numbers the progress activities of one invocation.</summary>
    internal int NextActivityId() => Interlocked.Increment(ref _activityId);

    /// <inheritdoc />
    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Resolves a folder path against PowerShell's current location (not the process's working directory).</summary>
    internal string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
