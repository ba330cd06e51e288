using System.Text.RegularExpressions;

namespace BackupOps.Cli;

/// <summary>
/// Rewrites the parser's .NET type names into what an operator types: "as expected type
/// 'System.Nullable`1[System.Int32]'" named a CLR generic where "a whole number" is the fix.
/// </summary>
internal static partial class ParseErrorText
{
    public static string Plain(string message) => ExpectedType().Replace(OneLine(message), match => $"as {Describe(match.Groups["type"].Value)}");

    // The parser lists allowed values one per line ("Must be one of:\n\t'a'\n\t'b'"); the bounded renderer would show
    // each line break as '?', so the list is joined here: "Must be one of: 'a', 'b'".
    private static string OneLine(string message) =>
        message.Contains('\n', StringComparison.Ordinal)
            ? string.Join(", ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Replace(":, ", ": ", StringComparison.Ordinal)
            : message;

    /// <summary>
    /// An unknown option or subcommand close to a known one gets "Did you mean --database-url?": the names of the
    /// command being parsed (its options, its parents' recursive ones, its subcommands), nearest by edit distance.
    /// </summary>
    public static string WithSuggestion(string message, System.CommandLine.ParseResult parsed)
    {
        var match = Unrecognized().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var token = match.Groups["token"].Value;
        var eq = token.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            token = token[..eq];
        }

        var names = new List<string>();
        var command = parsed.CommandResult.Command;
        names.AddRange(command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)));
        names.AddRange(command.Subcommands.Select(c => c.Name));
        for (var parent = parsed.CommandResult.Parent; parent is System.CommandLine.Parsing.CommandResult result; parent = result.Parent)
        {
            names.AddRange(result.Command.Options.Where(o => o.Recursive).SelectMany(o => o.Aliases.Prepend(o.Name)));
        }

        var best = names.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: Distance(token, name)))
            .Where(c => c.Distance > 0 && c.Distance <= Math.Max(1, Math.Min(3, token.Length / 4)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is null ? message : $"{message.TrimEnd()} Did you mean {best.Name}?";
    }

    /// <summary>Levenshtein distance, case-sensitive (options are lower case).</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

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

    [GeneratedRegex(@"^Unrecognized command or argument '(?<token>[^']+)'")]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<inner>[^\]]+)\]$")]
    private static partial Regex NullableOf();
}
