using System.Runtime.InteropServices;
using System.Xml.Linq;
using BackupOps.HelpTool;
using Xunit;

namespace BackupOps.Surface.Tests;

/// <summary>The project's own help compiler: markdown to MAML, and the generated parts of the pages in step with the cmdlets.</summary>
public sealed class HelpToolTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string Sample = """
        ---
        external help file: BackupOps.dll-Help.xml
        Module Name: BackupOps
        schema: 2.0.0
        ---

        # Test-Thing

        ## SYNOPSIS
        Tests a thing.

        ## SYNTAX

        ### One (Default)

        ```
        Test-Thing [-Name] <String> [-Count <Int32>] [<CommonParameters>]
        ```

        ### Two

        ```
        Test-Thing [-Name] <String> -Summary [<CommonParameters>]
        ```

        ## DESCRIPTION
        First paragraph
        over two lines.

        Second `code` paragraph.

        ## EXAMPLES

        ### Example 1: plain
        ```powershell
        PS> Test-Thing -Name x
        ```

        It tests x.

        ## PARAMETERS

        ### -Count
        How many.

        ```yaml
        Type: Int32
        Parameter Sets: One
        Aliases:
        Accepted values: 1, 3

        Required: False
        Position: Named
        Default value: 3
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### -Name
        The name.

        ```yaml
        Type: String
        Parameter Sets: (All)
        Aliases: N

        Required: True
        Position: 0
        Default value: None
        Accept pipeline input: True (ByValue)
        Accept wildcard characters: False
        ```

        ### -Summary
        Totals only.

        ```yaml
        Type: SwitchParameter
        Parameter Sets: Two
        Aliases:

        Required: True
        Position: Named
        Default value: None
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ## INPUTS

        ### System.String
        Names.

        ## OUTPUTS

        ### BackupOps.Thing
        Properties: Name, Count.

        ## NOTES
        A note.

        ## RELATED LINKS

        [Other](Other.md)
        """;

    [Fact]
    public void A_page_compiles_to_MAML_with_every_part_Get_Help_shows()
    {
        var page = HelpPage.Parse(Sample);
        Assert.Empty(HelpCompiler.Problems(page));
        var command = MamlWriter.Write([page]).Root!.Element(Command + "command")!;

        Assert.Equal("Test-Thing", command.Element(Command + "details")!.Element(Command + "name")!.Value);
        Assert.Equal("Tests a thing.", command.Element(Command + "details")!.Element(Maml + "description")!.Value);
        Assert.Equal(["First paragraph over two lines.", "Second `code` paragraph."], command.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value));

        var sets = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, sets.Count);
        Assert.Equal(["Name", "Count"], sets[0].Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));
        Assert.Equal(["Name", "Summary"], sets[1].Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));

        var name = command.Element(Command + "parameters")!.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Name");
        Assert.Equal("true", name.Attribute("required")!.Value);
        Assert.Equal("0", name.Attribute("position")!.Value);
        Assert.Equal("N", name.Attribute("aliases")!.Value);
        Assert.Equal("True (ByValue)", name.Attribute("pipelineInput")!.Value);
        Assert.Equal("The name.", name.Element(Maml + "description")!.Value);
        var count = command.Element(Command + "parameters")!.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Count");
        Assert.Equal("3", count.Element(Dev + "defaultValue")!.Value);
        Assert.Equal(["1", "3"], count.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value));

        var example = command.Element(Command + "examples")!.Element(Command + "example")!;
        Assert.Contains("Example 1: plain", example.Element(Maml + "title")!.Value, StringComparison.Ordinal);
        Assert.Equal("PS> Test-Thing -Name x", example.Element(Dev + "code")!.Value);
        Assert.Equal("It tests x.", example.Element(Dev + "remarks")!.Value);
        Assert.Equal("BackupOps.Thing", command.Element(Command + "returnValues")!.Descendants(Maml + "name").Single().Value);
        Assert.Equal("A note.", command.Element(Maml + "alertSet")!.Value);
    }

    [Fact]
    public void An_incomplete_page_is_reported()
    {
        var broken = HelpPage.Parse(Sample.Replace("PS> Test-Thing -Name x", string.Empty, StringComparison.Ordinal).Replace("How many.", string.Empty, StringComparison.Ordinal).Replace("Tests a thing.", string.Empty, StringComparison.Ordinal));
        var problems = HelpCompiler.Problems(broken).ToList();
        Assert.Contains("Test-Thing: no SYNOPSIS", problems);
        Assert.Contains("Test-Thing: no EXAMPLE with code", problems);
        Assert.Contains("Test-Thing: -Count has no description or no yaml metadata", problems);
    }

    [Fact]
    public void Syntax_lines_follow_PowerShell_and_never_show_a_generic_type_name()
    {
        var cmdlets = Cmdlets();
        var testObject = cmdlets.Single(c => c.Name == "Test-R2Object");
        Assert.Equal(["Objects", "Summary"], testObject.ParameterSets);
        Assert.DoesNotContain("-Summary", MarkdownUpdater.SyntaxLine(testObject, "Objects"), StringComparison.Ordinal);
        Assert.Contains(" -Summary ", MarkdownUpdater.SyntaxLine(testObject, "Summary"), StringComparison.Ordinal);
        Assert.Contains("[-Seed <Int32>]", MarkdownUpdater.SyntaxLine(testObject, "Objects"), StringComparison.Ordinal);
        Assert.StartsWith("Test-R2Object [-Bucket] <String> [[-Prefix] <String>]", MarkdownUpdater.SyntaxLine(testObject, "Objects"), StringComparison.Ordinal);
        Assert.All(cmdlets.SelectMany(c => c.Parameters), p => Assert.DoesNotContain('`', p.TypeName));
        Assert.Equal(["Newest", "Random", "All"], testObject.Parameters.Single(p => p.Name == "Sample").AcceptedValues);
    }

    [Theory]
    [MemberData(nameof(CmdletSurfaceTests.CmdletNames), MemberType = typeof(CmdletSurfaceTests))]
    public void The_page_is_in_step_with_the_built_cmdlet(string name)
    {
        var root = ModuleSurface.Shared.RepositoryRoot;
        var path = Path.Combine(root, "docs", "en-US", name + ".md");
        var cmdlet = Cmdlets().Single(c => c.Name == name);
        var xmlDocs = HelpCompiler.ReadXmlDocs(Path.Combine(root, "module", "BackupOps.xml"));
        var current = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var generated = MarkdownUpdater.Update(current, cmdlet, cmdlet.Parameters.ToDictionary(p => p.Name, p => xmlDocs.GetValueOrDefault($"P:{p.DeclaringType}.{p.Name}", string.Empty)));
        Assert.True(generated == current, $"docs/en-US/{name}.md has drifted from the built cmdlet (SYNTAX, parameter metadata or output properties). Run ./build.ps1 -Task Docs and review the diff.");
    }

    [Fact]
    public void The_build_compiled_help_for_every_cmdlet_beside_the_manifest()
    {
        var help = XDocument.Load(Path.Combine(ModuleSurface.Shared.RepositoryRoot, "en-US", "BackupOps.dll-Help.xml"));
        var names = help.Root!.Elements(Command + "command").Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value).Order(StringComparer.Ordinal);
        Assert.Equal(ModuleSurface.Shared.ManifestCmdlets().Order(StringComparer.Ordinal), names);
    }

    private static IReadOnlyList<CmdletModel> Cmdlets()
    {
        var root = ModuleSurface.Shared.RepositoryRoot;
        var references = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(root, "module", "Dependencies"), "*.dll"))
            .Append(Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll"));
        return CmdletReflector.Read(Path.Combine(root, "module", "BackupOps.dll"), references);
    }
}
