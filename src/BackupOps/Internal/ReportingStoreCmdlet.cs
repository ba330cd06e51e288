using System.Collections.Concurrent;
using System.Management.Automation;
using BackupOps.Engine.Health;

namespace BackupOps.Internal;

/// <summary>Base of cmdlets whose runs are recorded and announced: the webhook parameters.</summary>
public abstract class ReportingStoreCmdlet : StoreCmdlet
{
    private readonly ConcurrentQueue<string> _warnings = new();

    /// <summary>
    /// <para type="description">Slack-compatible webhook to post the outcome to (a secret: never printed). Default: BACKUPOPS_WEBHOOK_URL.</para>
    /// </summary>
    [Parameter]
    public string? NotifyWebhook { get; set; }

    /// <summary>
    /// <para type="description">When to notify: Always (default) or Failure. Default: BACKUPOPS_NOTIFY_ON.</para>
    /// </summary>
    [Parameter]
    [ValidateSet("Always", "Failure")]
    public string? NotifyOn { get; set; }

    /// <summary>Run reporting for the engine; its warnings are written after the run, on the pipeline thread.</summary>
    private protected RunReporting Reporting()
    {
        var reporting = RunReporting.FromEnvironment() with { OnWarning = _warnings.Enqueue };
        if (NotifyWebhook is not null)
        {
            reporting = reporting with { WebhookUrl = NotifyWebhook };
        }

        return NotifyOn is null ? reporting : reporting with { FailuresOnly = RunReporting.ParseNotifyOn(NotifyOn) };
    }

    /// <summary>Writes the reporting warnings collected during the run.</summary>
    private protected void FlushReportingWarnings()
    {
        while (_warnings.TryDequeue(out var warning))
        {
            WriteWarning(warning);
        }
    }
}
