using System.Globalization;
using System.Net.Http.Json;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Health;

/// <summary>
/// Posts a Slack-compatible message (<c>{"text": ...}</c>) about a run, with retries and a timeout. A failed
/// notification never fails or hides the run's own result: it is reported back as text for the caller to log.
/// </summary>
public static class WebhookNotifier
{
    private static readonly HttpClient Client = new();

    // PostAsJsonAsync's own defaults (web: camelCase), through the engine's source-generated metadata.
    private static readonly System.Text.Json.JsonSerializerOptions Json = EngineJson.WithContext(new(System.Text.Json.JsonSerializerDefaults.Web));

    /// <summary>Sends the message when the policy asks for it; returns a problem description, or null when sent or not needed.</summary>
    public static async Task<string?> NotifyAsync(RunReporting reporting, RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(reporting);
        ArgumentNullException.ThrowIfNull(record);
        if (reporting.WebhookUrl is null || (reporting.FailuresOnly && record.Succeeded))
        {
            return null;
        }

        if (!Uri.TryCreate(reporting.WebhookUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return "the webhook URL is not an http(s) URL; no notification was sent";
        }

        var payload = new WebhookPayload(Message(record), record);
        string? last = null;
        for (var attempt = 1; attempt <= reporting.WebhookAttempts; attempt++)
        {
            using var timeout = new CancellationTokenSource(reporting.WebhookTimeout);
            try
            {
                using var response = await Client.PostAsJsonAsync(url, payload, Json.Info<WebhookPayload>(), timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex is TaskCanceledException ? $"no answer within {reporting.WebhookTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : ex.Message;
            }

            if (attempt < reporting.WebhookAttempts)
            {
                await Task.Delay(reporting.WebhookRetryDelay * Math.Pow(2, attempt - 1)).ConfigureAwait(false);
            }
        }

        // The URL (a Slack webhook is a credential) never goes into the message.
        var redactor = new SecretRedactor();
        redactor.Add(reporting.WebhookUrl);
        redactor.Add(url.PathAndQuery.Length > 1 ? url.PathAndQuery : null);
        return $"the webhook notification failed after {reporting.WebhookAttempts} attempts ({redactor.Redact(last)}); the {record.Operation} itself {(record.Succeeded ? "succeeded" : "failed")} as reported";
    }

    /// <summary>The human line of the message.</summary>
    public static string Message(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var where = record.Environment is null ? string.Empty : $" ({record.Environment})";
        var size = record.SizeBytes is { } bytes ? $", {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes" : string.Empty;
        return record.Succeeded
            ? $"BackupOps: {record.Operation} of {record.Kind} '{record.Source}'{where} succeeded in {record.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s{size}{(record.BackupId is null ? string.Empty : $", {record.BackupId}")} on {record.Host}."
            : $"BackupOps: {record.Operation} of {record.Kind} '{record.Source}'{where} FAILED on {record.Host} after {record.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: [{record.ErrorId}] {record.Error}";
    }
}

/// <summary>The webhook's body: Slack's <c>text</c>, and the run record for receivers that read more.</summary>
/// <param name="Text">The one-line message.</param>
/// <param name="Backupops">The run record.</param>
internal sealed record WebhookPayload(string Text, RunRecord Backupops);
