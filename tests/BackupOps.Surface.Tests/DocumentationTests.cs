using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace BackupOps.Surface.Tests;

/// <summary>The platyPS markdown in docs/ is the help source: it must describe exactly the parameters the cmdlets have.</summary>
public sealed partial class DocumentationTests
{
    private static readonly string[] CommonParameters = ["WhatIf", "Confirm"];
    private static ModuleSurface Surface => ModuleSurface.Shared;

    [Theory]
    [MemberData(nameof(CmdletSurfaceTests.CmdletNames), MemberType = typeof(CmdletSurfaceTests))]
    public void Every_cmdlet_has_a_platyPS_page_listing_exactly_its_parameters(string name)
    {
        var page = Path.Combine(Surface.RepositoryRoot, "docs", "en-US", name + ".md");
        Assert.True(File.Exists(page), $"{page} is missing; write the platyPS page for {name}.");
        var text = File.ReadAllText(page);
        Assert.Matches(@"(?m)^external help file: BackupOps\.dll-Help\.xml", text);
        Assert.Contains($"# {name}", text, StringComparison.Ordinal);
        foreach (var section in new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "## OUTPUTS" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        var documented = ParameterHeading().Matches(text).Select(m => m.Groups[1].Value).Where(p => !CommonParameters.Contains(p)).Order(StringComparer.Ordinal).ToArray();
        var actual = Surface.ParametersOf(Surface.Cmdlets.Single(c => ModuleSurface.FullName(c) == name)).Select(p => p.Property.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(actual, documented);
    }

    [Theory]
    [MemberData(nameof(CmdletSurfaceTests.CmdletNames), MemberType = typeof(CmdletSurfaceTests))]
    public void Every_parameter_has_an_xml_doc_description(string name)
    {
        var xml = XDocument.Load(Path.Combine(Surface.RepositoryRoot, "module", "BackupOps.xml"));
        var members = xml.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m.Value.Trim());
        foreach (var (property, _) in Surface.ParametersOf(Surface.Cmdlets.Single(c => ModuleSurface.FullName(c) == name)))
        {
            var key = $"P:{property.DeclaringType!.FullName}.{property.Name}";
            Assert.True(members.TryGetValue(key, out var doc) && doc.Length > 10, $"{name} -{property.Name} has no XML doc ({key}).");
        }
    }

    [GeneratedRegex(@"(?m)^### -(\w+)")]
    private static partial Regex ParameterHeading();
}
