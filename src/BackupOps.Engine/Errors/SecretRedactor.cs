using System.Text.RegularExpressions;

namespace BackupOps.Engine.Errors;

/// <summary>
/// Removes known secrets and credential-shaped fragments from text that came from outside the engine
/// (tool stderr, driver exceptions) before it reaches an operator, a log or a manifest.
/// </summary>
public sealed partial class SecretRedactor
{
    /// <summary>The replacement written where a secret stood.</summary>
    public const string Mask = "********";

    private readonly List<string> _secrets = [];

    /// <summary>Registers a secret to be masked wherever it appears; empty values are ignored.</summary>
    public void Add(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && !_secrets.Contains(secret, StringComparer.Ordinal))
        {
            _secrets.Add(secret);
        }
    }

    /// <summary>Returns <paramref name="text"/> with every registered secret and URL password masked.</summary>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var result = UrlPassword().Replace(text, m => m.Groups[1].Value + Mask + "@");
        result = KeyValuePassword().Replace(result, m => m.Groups[1].Value + Mask);
        foreach (var secret in _secrets.OrderByDescending(s => s.Length))
        {
            result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return result;
    }

    // scheme://user:password@host  -> keeps scheme and user
    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*@")]
    private static partial Regex UrlPassword();

    // password=secret / Password=secret; in key=value connection strings
    [GeneratedRegex(@"((?:password|pwd|secret|secretkey|secret_access_key)\s*=\s*)('[^']*'|[^\s;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValuePassword();
}
