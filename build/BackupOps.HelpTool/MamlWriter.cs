using System.Globalization;
using System.Xml.Linq;

namespace BackupOps.HelpTool;

/// <summary>Writes help pages as one MAML file (the format Get-Help reads for compiled cmdlets: &lt;Module&gt;.dll-Help.xml).</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Write(IEnumerable<HelpPage> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(
                Msh + "helpItems",
                new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                pages.OrderBy(p => p.Name, StringComparer.Ordinal).Select(CommandElement)));
    }

    private static XElement CommandElement(HelpPage page)
    {
        var dash = page.Name.IndexOf('-', StringComparison.Ordinal);
        return new XElement(
            Command + "command",
            new XElement(
                Command + "details",
                new XElement(Command + "name", page.Name),
                new XElement(Command + "verb", dash > 0 ? page.Name[..dash] : page.Name),
                new XElement(Command + "noun", dash > 0 ? page.Name[(dash + 1)..] : string.Empty),
                Description(page.Synopsis)),
            Description(page.Description),
            new XElement(Command + "syntax", Sets(page).Select((set, index) => new XElement(
                Command + "syntaxItem",
                new XElement(Maml + "name", page.Name),
                page.Parameters.Select(p => (Parameter: p, Block: BlockFor(p, set))).Where(x => x.Block is not null)
                    .OrderBy(x => SyntaxOrder(page, index, x.Parameter.Name))
                    .Select(x => ParameterElement(x.Parameter, x.Block!))))),
            new XElement(Command + "parameters", page.Parameters.Where(p => p.Metadata.Count > 0).Select(p => ParameterElement(p, p.Metadata[0]))),
            new XElement(Command + "inputTypes", page.Inputs.Select(t => new XElement(Command + "inputType", TypeElement(t.Name), Description(t.Description)))),
            new XElement(Command + "returnValues", page.Outputs.Select(t => new XElement(Command + "returnValue", TypeElement(t.Name), Description(t.Description)))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", page.Notes.Select(Para))),
            new XElement(Command + "examples", page.Examples.Select(e => new XElement(
                Command + "example",
                new XElement(Maml + "title", $"--------- {e.Title} ---------"),
                new XElement(Dev + "code", e.Code ?? string.Empty),
                new XElement(Dev + "remarks", e.Remarks.Select(Para))))),
            new XElement(Maml + "relatedLinks", page.Links.Select(l => new XElement(
                Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text),
                new XElement(Maml + "uri", l.Uri.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? string.Empty : l.Uri)))));
    }

    /// <summary>The named parameter sets the yaml blocks mention, or one unnamed set.</summary>
    public static IReadOnlyList<string> Sets(HelpPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var named = page.SyntaxSets.Count > 0
            ? page.SyntaxSets
            : page.Parameters.SelectMany(p => p.Metadata).SelectMany(SetsOf).Where(s => s != "(All)").Distinct(StringComparer.Ordinal).ToList();
        return named.Count == 0 ? ["(All)"] : named;
    }

    /// <summary>Where the SYNTAX line of that set names the parameter (Get-Help shows them in this order).</summary>
    private static int SyntaxOrder(HelpPage page, int set, string parameter)
    {
        if (set >= page.SyntaxLines.Count)
        {
            return int.MaxValue;
        }

        var position = page.SyntaxLines[set].IndexOf($"-{parameter} ", StringComparison.Ordinal);
        if (position < 0)
        {
            position = page.SyntaxLines[set].IndexOf($"-{parameter}]", StringComparison.Ordinal);
        }

        return position < 0 ? int.MaxValue : position;
    }

    private static IEnumerable<string> SetsOf(Dictionary<string, string> block) =>
        (block.TryGetValue("Parameter Sets", out var sets) ? sets : "(All)").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string>? BlockFor(HelpParameter parameter, string set) =>
        parameter.Metadata.FirstOrDefault(b => SetsOf(b).Contains(set)) ?? parameter.Metadata.FirstOrDefault(b => SetsOf(b).Contains("(All)"));

    private static XElement ParameterElement(HelpParameter parameter, Dictionary<string, string> block)
    {
        var type = block.GetValueOrDefault("Type", "Object");
        var aliases = block.GetValueOrDefault("Aliases", string.Empty).Trim();
        var position = block.GetValueOrDefault("Position", "Named");
        var required = block.GetValueOrDefault("Required", "False").Equals("True", StringComparison.OrdinalIgnoreCase);
        var element = new XElement(
            Command + "parameter",
            new XAttribute("required", required ? "true" : "false"),
            new XAttribute("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", block.GetValueOrDefault("Accept wildcard characters", "False").Equals("True", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
            new XAttribute("pipelineInput", block.GetValueOrDefault("Accept pipeline input", "False")),
            new XAttribute("position", int.TryParse(position, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p.ToString(CultureInfo.InvariantCulture) : "named"),
            new XAttribute("aliases", aliases.Length == 0 ? "none" : aliases),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.Description));
        var accepted = block.GetValueOrDefault("Accepted values", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (accepted.Length > 0)
        {
            // Get-Help shows these as {A | B | C} in the syntax, as for a [ValidateSet] without help.
            element.Add(new XElement(Command + "parameterValueGroup", accepted.Select(v => new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
        }

        if (type != "SwitchParameter")
        {
            element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), type));
        }

        element.Add(TypeElement(type), new XElement(Dev + "defaultValue", block.GetValueOrDefault("Default value", "None")));
        return element;
    }

    private static XElement TypeElement(string name) => new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Maml + "description", paragraphs.Select(Para));

    private static XElement Para(string text) => new(Maml + "para", text);
}
