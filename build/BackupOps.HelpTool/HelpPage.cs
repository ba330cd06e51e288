using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BackupOps.HelpTool;

/// <summary>One platyPS (schema 2.0.0) markdown page, read with Markdig into the parts MAML needs.</summary>
public sealed class HelpPage
{
    public string Name { get; private set; } = string.Empty;

    public List<string> Synopsis { get; } = [];

    public List<string> Description { get; } = [];

    public List<HelpExample> Examples { get; } = [];

    public List<HelpParameter> Parameters { get; } = [];

    public List<HelpType> Inputs { get; } = [];

    public List<HelpType> Outputs { get; } = [];

    public List<string> Notes { get; } = [];

    public List<(string Text, string Uri)> Links { get; } = [];

    /// <summary>Parameter set names in the order the SYNTAX section gives them (empty when it has one unnamed block).</summary>
    public List<string> SyntaxSets { get; } = [];

    /// <summary>The SYNTAX code lines, one per parameter set, in the same order.</summary>
    public List<string> SyntaxLines { get; } = [];

    public static HelpPage Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        markdown = markdown.Replace("\r\n", "\n", StringComparison.Ordinal);
        var body = StripFrontMatter(markdown);
        var document = Markdown.Parse(body, new MarkdownPipelineBuilder().Build());
        var page = new HelpPage();
        string? section = null;
        HelpExample? example = null;
        HelpParameter? parameter = null;
        HelpType? type = null;
        foreach (var block in document)
        {
            if (block is HeadingBlock heading)
            {
                var text = InlineText(heading.Inline);
                switch (heading.Level)
                {
                    case 1:
                        page.Name = text.Trim();
                        continue;
                    case 2:
                        section = text.Trim().ToUpperInvariant();
                        example = null;
                        parameter = null;
                        type = null;
                        continue;
                    case 3 when section == "EXAMPLES":
                        example = new HelpExample(text.Trim());
                        page.Examples.Add(example);
                        continue;
                    case 3 when section == "PARAMETERS":
                        parameter = text.StartsWith('-') ? new HelpParameter(text.TrimStart('-').Trim()) : null;
                        if (parameter is not null)
                        {
                            page.Parameters.Add(parameter);
                        }

                        continue;
                    case 3 when section is "INPUTS" or "OUTPUTS":
                        type = new HelpType(text.Trim());
                        (section == "INPUTS" ? page.Inputs : page.Outputs).Add(type);
                        continue;
                    case 3 when section == "SYNTAX":
                        page.SyntaxSets.Add(text.Replace("(Default)", string.Empty, StringComparison.Ordinal).Trim());
                        continue;
                    default:
                        continue;
                }
            }

            var source = body.Substring(block.Span.Start, block.Span.Length);
            switch (section)
            {
                case "SYNTAX" when block is FencedCodeBlock syntax:
                    page.SyntaxLines.Add(syntax.Lines.ToString().Trim());
                    break;
                case "SYNOPSIS":
                    page.Synopsis.AddRange(Paragraphs(block, source));
                    break;
                case "DESCRIPTION":
                    page.Description.AddRange(Paragraphs(block, source));
                    break;
                case "EXAMPLES" when example is not null:
                    if (block is FencedCodeBlock code && example.Code is null)
                    {
                        example.Code = code.Lines.ToString().TrimEnd();
                    }
                    else
                    {
                        example.Remarks.AddRange(Paragraphs(block, source));
                    }

                    break;
                case "PARAMETERS" when parameter is not null:
                    if (block is FencedCodeBlock yaml && (yaml.Info ?? string.Empty).StartsWith("yaml", StringComparison.OrdinalIgnoreCase))
                    {
                        parameter.Metadata.Add(ParseYaml(yaml.Lines.ToString()));
                    }
                    else
                    {
                        parameter.Description.AddRange(Paragraphs(block, source));
                    }

                    break;
                case "INPUTS" or "OUTPUTS" when type is not null:
                    type.Description.AddRange(Paragraphs(block, source));
                    break;
                case "NOTES":
                    page.Notes.AddRange(Paragraphs(block, source));
                    break;
                case "RELATED LINKS":
                    foreach (var link in block.Descendants<LinkInline>())
                    {
                        page.Links.Add((InlineText(link), link.Url ?? string.Empty));
                    }

                    break;
            }
        }

        return page;
    }

    private static string StripFrontMatter(string markdown)
    {
        if (!markdown.StartsWith("---\n", StringComparison.Ordinal))
        {
            return markdown;
        }

        var end = markdown.IndexOf("\n---\n", 4, StringComparison.Ordinal);
        return end < 0 ? markdown : new string('\n', markdown[..(end + 5)].Count(c => c == '\n')) + markdown[(end + 5)..];
    }

    /// <summary>Plain paragraphs for MAML: markdown paragraphs as written (minus line breaks), list items one per paragraph, code as is.</summary>
    private static IEnumerable<string> Paragraphs(Block block, string source) => block switch
    {
        ParagraphBlock => [Unwrap(source)],
        ListBlock list => list.OfType<ListItemBlock>().Select(item => "- " + Unwrap(string.Join(' ', item.Descendants<ParagraphBlock>().Select(p => InlineText(p.Inline))))),
        FencedCodeBlock code => [code.Lines.ToString().TrimEnd()],
        QuoteBlock => [Unwrap(source.TrimStart('>', ' '))],
        _ => source.Trim().Length == 0 ? [] : [Unwrap(source)],
    };

    private static string Unwrap(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string InlineText(ContainerInline? inline)
    {
        if (inline is null)
        {
            return string.Empty;
        }

        var text = new System.Text.StringBuilder();
        foreach (var child in inline)
        {
            text.Append(child switch
            {
                LiteralInline literal => literal.Content.ToString(),
                CodeInline code => "`" + code.Content + "`",
                LineBreakInline => " ",
                ContainerInline container => InlineText(container),
                _ => string.Empty,
            });
        }

        return text.ToString();
    }

    private static Dictionary<string, string> ParseYaml(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
}

public sealed class HelpExample(string title)
{
    public string Title { get; } = title;

    public string? Code { get; set; }

    public List<string> Remarks { get; } = [];
}

public sealed class HelpParameter(string name)
{
    public string Name { get; } = name;

    public List<string> Description { get; } = [];

    /// <summary>One yaml block per group of parameter sets in which the parameter has the same attributes.</summary>
    public List<Dictionary<string, string>> Metadata { get; } = [];

    public string Value(string key, string fallback = "") =>
        Metadata.Select(m => m.TryGetValue(key, out var v) ? v : null).FirstOrDefault(v => v is not null) ?? fallback;
}

public sealed class HelpType(string name)
{
    public string Name { get; } = name;

    public List<string> Description { get; } = [];
}
