using System.Collections.Concurrent;
using System.Management.Automation;

namespace BackupOps.Internal;

/// <summary>Base of cmdlets whose runs are recorded and announced: the webhook parameters.</summary>
public abstract class ReportingStoreCmdlet : StoreCmdlet
{
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

    /// <summary>Warnings the engine's run reporting raised on its threads, written on the pipeline thread.</summary>
    internal ConcurrentQueue<string> ReportingWarnings { get; } = new();

    /// <summary>
    /// Writes the reporting warnings collected during the run, each once: a cmdlet that plans before it runs (a restore
    /// resolving -Latest twice) hears the same warning from both.
    /// </summary>
    internal void FlushReportingWarnings()
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        while (ReportingWarnings.TryDequeue(out var warning))
        {
            if (written.Add(warning))
            {
                WriteWarning(warning);
            }
        }
    }
}
