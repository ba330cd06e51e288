using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Drill;

/// <summary>The drill's three records: a JSON report, JUnit XML for CI dashboards, and a row plus a section in the Markdown drill log.</summary>
public static class DrillReportWriter
{
    private const string RowsStart = "<!-- drill-rows -->";
    private const string RowsEnd = "<!-- /drill-rows -->";

    // A report holds no enums (the string-enum converter it had changed nothing and needs runtime code generation).
    private static readonly JsonSerializerOptions Json = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    });

    /// <summary>Writes all three; returns the paths of the JSON and JUnit reports.</summary>
    public static (string Json, string JUnit) WriteAll(DrillReport report, string reportDirectory, string logPath)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(reportDirectory);
        var stamp = report.StartedUtc.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var json = Path.Combine(reportDirectory, $"drill-{stamp}.json");
        var junit = Path.Combine(reportDirectory, $"drill-{stamp}.xml");
        File.WriteAllText(json, JsonSerializer.Serialize(report, Json.Info<DrillReport>()));
        File.WriteAllText(junit, JUnit(report));
        AppendLog(report, logPath);
        return (json, junit);
    }

    /// <summary>JUnit XML: one testsuite, one testcase per check, a failure element with the reason.</summary>
    public static string JUnit(DrillReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        var suite = new XElement(
            "testsuite",
            new XAttribute("name", $"dr-drill {report.Environment}"),
            new XAttribute("tests", report.Checks.Count),
            new XAttribute("failures", report.Checks.Count(c => !c.Passed)),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(report.Duration)),
            new XAttribute("timestamp", report.StartedUtc.UtcDateTime.ToString("s", CultureInfo.InvariantCulture)),
            new XAttribute("hostname", report.Host),
            report.Checks.Select(c => new XElement(
                "testcase",
                new XAttribute("classname", $"drill.{c.Component}"),
                new XAttribute("name", c.Name),
                new XAttribute("time", Seconds(c.Duration)),
                c.Passed ? null : new XElement("failure", new XAttribute("message", c.FailureReason ?? "failed"), c.Details),
                new XElement("system-out", c.Details))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).ToString();
    }

    /// <summary>Adds the drill's row to the log's table and its section at the end (the seed's DR log).</summary>
    public static void AppendLog(DrillReport report, string logPath)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = File.Exists(logPath)
            ? File.ReadAllText(logPath)
            : $"# Disaster-recovery drill log\n\nOne row per drill; a section per drill below.\n\n| Date (UTC) | Operator | Environment | Result | Duration | Time to restore | Blockers |\n| --- | --- | --- | --- | --- | --- | --- |\n{RowsStart}\n{RowsEnd}\n";
        var date = report.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var result = report.DryRun ? (report.Succeeded ? "dry run passed" : "dry run FAILED") : report.Succeeded ? "passed" : "FAILED";
        var blockers = report.Blockers.Count == 0 ? "none" : Cell(string.Join("; ", report.Blockers));
        var row = $"| {date} | {Cell(report.Operator)} | {Cell(report.Environment)} | {result} | {Span(report.Duration)} | {(report.TimeToRestore is { } t ? Span(t) : "-")} | {blockers} |";
        var end = text.IndexOf(RowsEnd, StringComparison.Ordinal);
        text = end < 0 ? text + $"\n{row}\n" : text.Insert(end, row + "\n");

        var section = new StringBuilder($"\n## {date} UTC — {Cell(report.Environment)} — {result}\n\n");
        section.Append($"Operator {report.Operator} on {report.Host}; duration {Span(report.Duration)}; time to restore {(report.TimeToRestore is { } r ? Span(r) : "-")}.\n\n");
        section.Append("| Check | Component | Result | Duration | Details |\n| --- | --- | --- | --- | --- |\n");
        foreach (var check in report.Checks)
        {
            section.Append($"| {Cell(check.Name)} | {check.Component} | {(check.Passed ? "passed" : "**FAILED**: " + Cell(check.FailureReason ?? string.Empty))} | {Span(check.Duration)} | {Cell(check.Details)} |\n");
        }

        File.WriteAllText(logPath, text.TrimEnd('\n') + "\n" + section);
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Span(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min" : $"{span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
