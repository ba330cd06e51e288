using System.Management.Automation;
using System.Management.Automation.Host;

namespace BackupOps.Internal;

/// <summary>
/// ShouldProcess and ShouldContinue for scripts as well as consoles: a session that cannot prompt (pwsh -File under
/// cron or a scheduled task without a console, -NonInteractive, a runspace without a UI) gets a clear terminating
/// error that names the unattended form (-Confirm:$false, -Force) instead of the host's NullReferenceException.
/// </summary>
internal static class Confirmation
{
    /// <summary>ShouldProcess; <paramref name="unattended"/> says how a script runs this without a prompt.</summary>
    public static bool ShouldProcessOrExplain(this BackupOpsCmdlet cmdlet, string target, string action, string unattended)
    {
        try
        {
            return cmdlet.ShouldProcess(target, action);
        }
        catch (Exception ex) when (IsPromptFailure(ex))
        {
            throw Unavailable(cmdlet, $"{action} on {target}", unattended, ex);
        }
    }

    /// <summary>ShouldContinue (the second question that -Force skips), with the same clear error when no prompt is possible.</summary>
    public static bool ShouldContinueOrExplain(this BackupOpsCmdlet cmdlet, string query, string caption, string unattended)
    {
        try
        {
            return cmdlet.ShouldContinue(query, caption);
        }
        catch (Exception ex) when (IsPromptFailure(ex))
        {
            throw Unavailable(cmdlet, caption, unattended, ex);
        }
    }

    /// <summary>
    /// A high-impact decision inside a cmdlet whose ConfirmImpact is lower (restoring into a new database asks nothing;
    /// replacing one does): asks unless -Confirm was given either way (-Confirm already asked through ShouldProcess)
    /// or $ConfirmPreference is None.
    /// </summary>
    public static bool ConfirmHighImpact(this BackupOpsCmdlet cmdlet, string query, string caption, string unattended)
    {
        if (cmdlet.MyInvocation.BoundParameters.ContainsKey("Confirm"))
        {
            return true;
        }

        var preference = cmdlet.SessionState.PSVariable.GetValue("ConfirmPreference");
        if (preference is ConfirmImpact.None || (preference is string text && text.Equals("None", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return cmdlet.ShouldContinueOrExplain(query, caption, unattended);
    }

    private static bool IsPromptFailure(Exception ex) =>
        ex is PSInvalidOperationException or HostException or NotImplementedException or NullReferenceException or IOException;

    private static PipelineStoppedException Unavailable(BackupOpsCmdlet cmdlet, string what, string unattended, Exception cause)
    {
        var name = cmdlet.MyInvocation.MyCommand?.Name ?? "This cmdlet";
        var record = new ErrorRecord(
            new InvalidOperationException($"{name} needs confirmation ({what}), but this session cannot prompt (no console, or -NonInteractive). In scripts and scheduled tasks: {unattended}.", cause),
            "ConfirmationUnavailable",
            ErrorCategory.InvalidOperation,
            null);
        cmdlet.ThrowTerminatingError(record);
        return new PipelineStoppedException(); // not reached: ThrowTerminatingError throws
    }
}
