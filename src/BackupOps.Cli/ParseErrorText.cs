using System.Text.RegularExpressions;

namespace BackupOps.Cli;

/// <summary>
/// Rewrites the parser's .NET type names into what an operator types: "as expected type
/// 'System.Nullable`1[System.Int32]'" named a CLR generic where "a whole number" is the fix.
/// </summary>
internal static partial class ParseErrorText
{
    public static string Plain(string message) => ExpectedType().Replace(message, match => $"as {Describe(match.Groups["type"].Value)}");

    private static string Describe(string type)
    {
        var inner = NullableOf().Match(type) is { Success: true } nullable ? nullable.Groups["inner"].Value : type;
        return inner switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" => "a whole number (for example 14)",
            "System.Double" or "System.Decimal" or "System.Single" => "a number (for example 2.5)",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration (for example 01:30:00)",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time (for example 2026-12-01T14:00:00Z)",
            _ => "a value of the documented form (see --help)",
        };
    }

    [GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<inner>[^\]]+)\]$")]
    private static partial Regex NullableOf();
}
