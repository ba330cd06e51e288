using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BackupOps.HelpTool;

/// <summary>Reading pages, the completeness rules every page must meet, and XML doc descriptions.</summary>
public static partial class HelpCompiler
{
    public static List<HelpPage> ReadPages(string docs) =>
        [.. Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Where(t => t.Contains("external help file:", StringComparison.Ordinal))
            .Select(HelpPage.Parse)];

    /// <summary>What Get-Help would be missing: a synopsis, a description, an example with code, a description per parameter.</summary>
    public static IEnumerable<string> Problems(HelpPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Synopsis.Count == 0)
        {
            yield return $"{page.Name}: no SYNOPSIS";
        }

        if (page.Description.Count == 0)
        {
            yield return $"{page.Name}: no DESCRIPTION";
        }

        if (!page.Examples.Any(e => !string.IsNullOrWhiteSpace(e.Code)))
        {
            yield return $"{page.Name}: no EXAMPLE with code";
        }

        foreach (var parameter in page.Parameters.Where(p => p.Description.Count == 0 || p.Metadata.Count == 0))
        {
            yield return $"{page.Name}: -{parameter.Name} has no description or no yaml metadata";
        }
    }

    public static Dictionary<string, string> ReadXmlDocs(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return XDocument.Load(path).Descendants("member").ToDictionary(
            m => (string)m.Attribute("name")!,
            m => Spaces().Replace((m.Descendants("para").FirstOrDefault(p => (string?)p.Attribute("type") == "description") ?? m.Element("summary"))?.Value ?? string.Empty, " ").Trim());
    }

    /// <summary>A page to start from for a new cmdlet; the update fills SYNTAX, parameters and outputs.</summary>
    public static string Skeleton(CmdletModel cmdlet)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        return $"---\nexternal help file: BackupOps.dll-Help.xml\nModule Name: BackupOps\nonline version:\nschema: 2.0.0\n---\n\n# {cmdlet.Name}\n\n## SYNOPSIS\n\n## SYNTAX\n\n## DESCRIPTION\n\n## EXAMPLES\n\n## PARAMETERS\n\n## INPUTS\n\n## OUTPUTS\n\n## NOTES\n\n## RELATED LINKS\n";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
