using System.Text;
using System.Text.RegularExpressions;

namespace BackupOps.HelpTool;

/// <summary>
/// Regenerates the machine-derived parts of a platyPS page from the built cmdlet, keeping every human-written
/// text: the SYNTAX section, each parameter's yaml block (its "Default value" is kept: metadata cannot know it),
/// missing parameter sections (described from the XML docs), -WhatIf/-Confirm for ShouldProcess cmdlets, and the
/// property list of each output type in OUTPUTS.
/// </summary>
public static partial class MarkdownUpdater
{
    public const string PropertiesPrefix = "Properties: ";

    private const string WhatIfText = "Shows what would happen if the cmdlet runs. The cmdlet is not run.";
    private const string ConfirmText = "Prompts you for confirmation before running the cmdlet.";

    public static string Update(string markdown, CmdletModel cmdlet, IReadOnlyDictionary<string, string> parameterDocs)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(cmdlet);
        ArgumentNullException.ThrowIfNull(parameterDocs);
        var text = markdown.Replace("\r\n", "\n", StringComparison.Ordinal);
        text = ReplaceSection(text, "SYNTAX", Syntax(cmdlet));
        text = ReplaceSection(text, "PARAMETERS", Parameters(SectionBody(text, "PARAMETERS"), cmdlet, parameterDocs));
        text = ReplaceSection(text, "OUTPUTS", Outputs(SectionBody(text, "OUTPUTS"), cmdlet));
        return text;
    }

    /// <summary>The SYNTAX section: one code block per parameter set, titled when there are several.</summary>
    public static string Syntax(CmdletModel cmdlet)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        var sets = cmdlet.ParameterSets;
        var body = new StringBuilder("\n");
        foreach (var set in sets)
        {
            if (sets.Count > 1)
            {
                body.Append("### ").Append(set).Append(set == cmdlet.DefaultParameterSet ? " (Default)" : string.Empty).Append("\n\n");
            }

            body.Append("```\n").Append(SyntaxLine(cmdlet, set)).Append("\n```\n\n");
        }

        return body.ToString();
    }

    /// <summary>One syntax line as PowerShell writes it: positional parameters by position, then the rest in declaration order.</summary>
    public static string SyntaxLine(CmdletModel cmdlet, string set)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        var parts = new List<string> { cmdlet.Name };
        var parameters = cmdlet.In(set).ToList();
        foreach (var (parameter, inSet) in parameters.Where(p => p.InSet.Position is not null).OrderBy(p => p.InSet.Position))
        {
            var name = $"[-{parameter.Name}]";
            var value = parameter.IsSwitch ? string.Empty : $" <{parameter.TypeName}>";
            parts.Add(inSet.Mandatory ? name + value : $"[{name}{value}]");
        }

        foreach (var (parameter, inSet) in parameters.Where(p => p.InSet.Position is null).OrderBy(p => p.InSet.Mandatory ? 0 : 1).ThenBy(p => p.Parameter.DeclarationOrder))
        {
            var value = parameter.IsSwitch ? string.Empty : $" <{parameter.TypeName}>";
            parts.Add(inSet.Mandatory ? $"-{parameter.Name}{value}" : $"[-{parameter.Name}{value}]");
        }

        if (cmdlet.SupportsShouldProcess)
        {
            parts.Add("[-WhatIf]");
            parts.Add("[-Confirm]");
        }

        parts.Add("[<CommonParameters>]");
        return string.Join(' ', parts);
    }

    private static string Parameters(string body, CmdletModel cmdlet, IReadOnlyDictionary<string, string> parameterDocs)
    {
        var existing = ParameterSections().Matches(body).ToDictionary(m => m.Groups["name"].Value, m => m.Value, StringComparer.Ordinal);
        var output = new StringBuilder("\n");
        foreach (var parameter in cmdlet.Parameters.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            var section = existing.TryGetValue(parameter.Name, out var found) ? found : null;
            var description = section is null
                ? (parameterDocs.TryGetValue(parameter.Name, out var doc) ? doc : string.Empty)
                : YamlBlock().Replace(section[(section.IndexOf('\n', StringComparison.Ordinal) + 1)..], string.Empty).Trim();
            var defaultValue = section is not null && DefaultValue().Match(section) is { Success: true } d ? d.Groups[1].Value.Trim() : "None";
            output.Append("### -").Append(parameter.Name).Append('\n').Append(description).Append("\n\n");
            foreach (var group in cmdlet.ParameterSets.Count == 1 || parameter.Sets.ContainsKey(ParameterModel.AllSets)
                ? [(Sets: "(All)", Attributes: parameter.Sets.Values.First())]
                : parameter.Sets.GroupBy(s => s.Value).Select(g => (Sets: string.Join(", ", g.Select(s => s.Key).Order(StringComparer.Ordinal)), Attributes: g.Key)))
            {
                output.Append("```yaml\n")
                    .Append("Type: ").Append(parameter.TypeName).Append('\n')
                    .Append("Parameter Sets: ").Append(group.Sets).Append('\n')
                    .Append("Aliases: ").Append(string.Join(", ", parameter.Aliases)).Append('\n')
                    .Append(parameter.AcceptedValues.Count > 0 ? $"Accepted values: {string.Join(", ", parameter.AcceptedValues)}\n" : string.Empty).Append('\n')
                    .Append("Required: ").Append(group.Attributes.Mandatory ? "True" : "False").Append('\n')
                    .Append("Position: ").Append(group.Attributes.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "Named").Append('\n')
                    .Append("Default value: ").Append(defaultValue).Append('\n')
                    .Append("Accept pipeline input: ").Append(group.Attributes.PipelineInput).Append('\n')
                    .Append("Accept wildcard characters: False\n")
                    .Append("```\n\n");
            }
        }

        if (cmdlet.SupportsShouldProcess)
        {
            foreach (var (name, alias, text) in new[] { ("WhatIf", "wi", WhatIfText), ("Confirm", "cf", ConfirmText) })
            {
                var description = existing.TryGetValue(name, out var found) ? YamlBlock().Replace(found[(found.IndexOf('\n', StringComparison.Ordinal) + 1)..], string.Empty).Trim() : text;
                output.Append("### -").Append(name).Append('\n').Append(description).Append("\n\n```yaml\nType: SwitchParameter\nParameter Sets: (All)\nAliases: ").Append(alias)
                    .Append("\n\nRequired: False\nPosition: Named\nDefault value: False\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\n");
            }
        }

        var common = body.IndexOf("### CommonParameters", StringComparison.Ordinal);
        output.Append(common >= 0 ? body[common..].TrimEnd() + "\n\n" : "### CommonParameters\nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -Verbose, -WarningAction, -WarningVariable, and -ProgressAction. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).\n\n");
        return output.ToString();
    }

    private static string Outputs(string body, CmdletModel cmdlet)
    {
        var existing = TypeSections().Matches(body).ToDictionary(m => m.Groups["name"].Value.Trim(), m => m.Groups["text"].Value, StringComparer.Ordinal);
        var output = new StringBuilder("\n");
        foreach (var type in cmdlet.Outputs)
        {
            var human = existing.TryGetValue(type.TypeName, out var text)
                ? string.Join('\n', text.Split('\n').Where(l => !l.StartsWith(PropertiesPrefix, StringComparison.Ordinal))).Trim()
                : string.Empty;
            output.Append("### ").Append(type.TypeName).Append('\n');
            if (human.Length > 0)
            {
                output.Append(human).Append("\n\n");
            }

            output.Append(PropertiesPrefix).Append(string.Join(", ", type.Properties)).Append(".\n\n");
        }

        return output.ToString();
    }

    private static string SectionBody(string text, string section)
    {
        var match = Section(section).Match(text);
        return match.Success ? match.Groups["body"].Value : string.Empty;
    }

    private static string ReplaceSection(string text, string section, string body)
    {
        var match = Section(section).Match(text);
        if (!match.Success)
        {
            throw new InvalidOperationException($"The page has no '## {section}' section.");
        }

        return text[..match.Groups["body"].Index] + body + text[(match.Groups["body"].Index + match.Groups["body"].Length)..];
    }

    private static Regex Section(string name) => new($@"(?m)^## {name}\n(?<body>[\s\S]*?)(?=^## |\z)");

    [GeneratedRegex(@"(?m)^### -(?<name>\w+)\n[\s\S]*?(?=^### |\z)")]
    private static partial Regex ParameterSections();

    [GeneratedRegex(@"(?m)^### (?<name>[^\n]+)\n(?<text>[\s\S]*?)(?=^### |\z)")]
    private static partial Regex TypeSections();

    [GeneratedRegex(@"```yaml\n[\s\S]*?```\n?")]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"(?m)^Default value:(.*)$")]
    private static partial Regex DefaultValue();
}
