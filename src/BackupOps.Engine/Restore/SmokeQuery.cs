using System.Globalization;
using BackupOps.Engine.Errors;

namespace BackupOps.Engine.Restore;

/// <summary>
/// A validation query with an expectation, written <c>SQL => expectation</c>:
/// <c>SELECT count(*) FROM events => &gt; 0</c>. The expectation is a comparison (<c>&gt;</c>, <c>&gt;=</c>, <c>=</c>,
/// <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>) with a number, or <c>= 'text'</c>; without one the query only has to run
/// and return a row.
/// </summary>
public sealed record SmokeQuery(string Sql, string? Operator, string? Expected)
{
    private static readonly string[] Operators = [">=", "<=", "!=", "<>", "==", ">", "<", "="];

    /// <summary>The text as the operator wrote it.</summary>
    public string Text => Operator is null ? Sql : $"{Sql} => {Operator} {Expected}";

    /// <summary>Parses <c>SQL => expectation</c>.</summary>
    public static SmokeQuery Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw BackupOpsException.InvalidInput("SmokeQueryInvalid", "A smoke query is empty. Write it as 'SELECT count(*) FROM events => > 0'.");
        }

        var split = text.LastIndexOf("=>", StringComparison.Ordinal);
        if (split < 0)
        {
            return new SmokeQuery(text.Trim(), null, null);
        }

        var sql = text[..split].Trim();
        var expectation = text[(split + 2)..].Trim();
        var op = Operators.FirstOrDefault(o => expectation.StartsWith(o, StringComparison.Ordinal));
        var expected = op is null ? string.Empty : expectation[op.Length..].Trim();
        if (sql.Length == 0 || op is null || expected.Length == 0)
        {
            throw BackupOpsException.InvalidInput("SmokeQueryInvalid", $"The smoke query '{text}' has no usable expectation after '=>'. Use a comparison and a value, for example 'SELECT count(*) FROM events => > 0' or \"SELECT status FROM health => = 'ok'\".");
        }

        var isText = expected.Length >= 2 && expected[0] == '\'' && expected[^1] == '\'';
        if (!isText && !decimal.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw BackupOpsException.InvalidInput("SmokeQueryInvalid", $"The expected value '{expected}' in smoke query '{text}' is neither a number nor a quoted 'text'.");
        }

        if (isText && op is not ("=" or "==" or "!=" or "<>"))
        {
            throw BackupOpsException.InvalidInput("SmokeQueryInvalid", $"Text can only be compared with = or != (smoke query '{text}').");
        }

        return new SmokeQuery(sql, op, expected);
    }

    /// <summary>Checks a query result against the expectation; returns null when it holds, else why not.</summary>
    public string? Evaluate(object? value)
    {
        if (Operator is null)
        {
            return null;
        }

        if (Expected!.StartsWith('\''))
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture);
            var equal = string.Equals(text, Expected[1..^1], StringComparison.Ordinal);
            return (Operator is "=" or "==") == equal ? null : $"got '{text}', expected {Operator} {Expected}";
        }

        if (value is null || value is DBNull || !decimal.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var actual))
        {
            return $"got '{value}', which is not a number (expected {Operator} {Expected})";
        }

        var target = decimal.Parse(Expected, NumberStyles.Float, CultureInfo.InvariantCulture);
        var holds = Operator switch
        {
            ">" => actual > target,
            ">=" => actual >= target,
            "<" => actual < target,
            "<=" => actual <= target,
            "!=" or "<>" => actual != target,
            _ => actual == target,
        };
        return holds ? null : $"got {actual.ToString(CultureInfo.InvariantCulture)}, expected {Operator} {Expected}";
    }
}
