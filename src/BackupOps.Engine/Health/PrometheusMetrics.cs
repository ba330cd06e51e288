using System.Globalization;
using System.Text;

namespace BackupOps.Engine.Health;

/// <summary>
/// Status as Prometheus text exposition, for node_exporter's textfile collector: written to a temporary file and
/// renamed, so the collector never reads half a file.
/// </summary>
public static class PrometheusMetrics
{
    /// <summary>Renders the metrics (<paramref name="unsignedRunRecordsIgnored"/>: when signatures were checked, the records ignored).</summary>
    public static string Render(IReadOnlyList<SourceStatus> statuses, string? environment, DateTimeOffset now, int? unsignedRunRecordsIgnored = null)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var text = new StringBuilder();
        void Family(string name, string type, string help, Func<SourceStatus, double?> value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var status in statuses)
            {
                if (value(status) is { } v)
                {
                    text.Append(name).Append(Labels(status, environment, null)).Append(' ').Append(Format(v)).Append('\n');
                }
            }
        }

        Family("backupops_last_success_timestamp_seconds", "gauge", "Unix time the newest valid backup started.", s => s.NewestStartedUtc?.ToUnixTimeMilliseconds() / 1000.0);
        Family("backupops_last_duration_seconds", "gauge", "Duration of the newest valid backup.", s => s.DurationSeconds);
        Family("backupops_last_bytes", "gauge", "Size of the newest valid backup in bytes.", s => s.SizeBytes);
        Family("backupops_age_seconds", "gauge", "Age of the newest valid backup when the metrics were written.", s => s.Age?.TotalSeconds);
        Family("backupops_failures_total", "counter", "Failed backup or snapshot runs recorded in the store.", s => s.Failures);
        text.Append("# HELP backupops_status Health of each source: 1 for its current state.\n# TYPE backupops_status gauge\n");
        foreach (var status in statuses)
        {
            foreach (var state in Enum.GetValues<HealthState>())
            {
                text.Append("backupops_status").Append(Labels(status, environment, state.ToString().ToLowerInvariant())).Append(' ').Append(status.State == state ? "1" : "0").Append('\n');
            }
        }

        if (unsignedRunRecordsIgnored is { } ignored)
        {
            text.Append("# HELP backupops_unsigned_run_records_ignored Run records without a valid signature by a trusted key, ignored for health.\n# TYPE backupops_unsigned_run_records_ignored gauge\n");
            text.Append("backupops_unsigned_run_records_ignored{environment=\"").Append(Escape(environment ?? string.Empty)).Append("\"} ").Append(ignored.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("# HELP backupops_metrics_generated_timestamp_seconds When these metrics were written.\n# TYPE backupops_metrics_generated_timestamp_seconds gauge\n");
        text.Append("backupops_metrics_generated_timestamp_seconds ").Append(Format(now.ToUnixTimeMilliseconds() / 1000.0)).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes the metrics atomically (temporary file, then rename).</summary>
    public static async Task WriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        await File.WriteAllTextAsync(temporary, content, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, full, overwrite: true);
    }

    private static string Labels(SourceStatus status, string? environment, string? state)
    {
        var labels = new StringBuilder("{kind=\"").Append(Escape(status.Kind)).Append("\",database=\"").Append(Escape(status.Source)).Append("\",environment=\"").Append(Escape(environment ?? string.Empty)).Append('"');
        if (state is not null)
        {
            labels.Append(",status=\"").Append(state).Append('"');
        }

        return labels.Append('}').ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
