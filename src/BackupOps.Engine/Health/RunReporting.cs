using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Health;

/// <summary>How runs are reported: the environment label, and the webhook notified on success and failure.</summary>
public sealed record RunReporting
{
    /// <summary>Environment label (default BACKUPOPS_ENVIRONMENT).</summary>
    public string? Environment { get; init; }

    /// <summary>Slack-compatible webhook URL (default BACKUPOPS_WEBHOOK_URL); a secret: never printed.</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>Notify on failures only (BACKUPOPS_NOTIFY_ON=failure).</summary>
    public bool FailuresOnly { get; init; }

    /// <summary>Receives warnings about reporting itself (a failed notification) for the front end to show.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>Write run records to the store (on by default).</summary>
    public bool RecordRuns { get; init; } = true;

    /// <summary>Attempts per notification.</summary>
    public int WebhookAttempts { get; init; } = 3;

    /// <summary>Timeout of one notification attempt.</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before the second attempt (doubled for each further one).</summary>
    public TimeSpan WebhookRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Settings from BACKUPOPS_ENVIRONMENT, BACKUPOPS_WEBHOOK_URL and BACKUPOPS_NOTIFY_ON (always | failure).</summary>
    public static RunReporting FromEnvironment()
    {
        static string? Env(string name) => System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var notifyOn = Env("BACKUPOPS_NOTIFY_ON");
        return new RunReporting
        {
            Environment = Env("BACKUPOPS_ENVIRONMENT"),
            WebhookUrl = Env("BACKUPOPS_WEBHOOK_URL"),
            FailuresOnly = notifyOn is not null && ParseNotifyOn(notifyOn),
        };
    }

    /// <summary>Parses <c>always</c> / <c>failure</c>; true means failures only.</summary>
    public static bool ParseNotifyOn(string text) => text.Trim().ToUpperInvariant() switch
    {
        "ALWAYS" or "ALL" => false,
        "FAILURE" or "FAILURES" => true,
        _ => throw BackupOpsException.InvalidInput("NotifyOnInvalid", $"'{text}' is not a notification policy. Use always or failure."),
    };
}
