using BackupOps.HelpTool;

// BackupOps' help compiler: see BackupOps.HelpTool.csproj. Exit 0 done, 1 a page is incomplete or out of date, 2 bad usage.
try
{
    return args switch
    {
        ["compile", var docs, var output] => Compile(docs, output),
        ["update", var docs, var module, .. var rest] => Update(docs, module, rest),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or System.Xml.XmlException)
{
    Console.Error.WriteLine($"BackupOps.HelpTool: {ex.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: BackupOps.HelpTool compile <docs/en-US> <out/BackupOps.dll-Help.xml>");
    Console.Error.WriteLine("       BackupOps.HelpTool update <docs/en-US> <module/BackupOps.dll> [--check] [--reference <assembly>]...");
    return 2;
}

static int Compile(string docs, string output)
{
    var pages = HelpCompiler.ReadPages(docs);
    var problems = pages.SelectMany(HelpCompiler.Problems).ToList();
    if (problems.Count > 0)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"BackupOps.HelpTool: {problem}");
        }

        return 1;
    }

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    MamlWriter.Write(pages).Save(output);
    Console.WriteLine($"BackupOps.HelpTool: {pages.Count} help pages -> {output}");
    return 0;
}

static int Update(string docs, string module, string[] rest)
{
    var check = rest.Contains("--check");
    var references = rest.Select((a, i) => (a, i)).Where(x => x.a == "--reference" && x.i + 1 < rest.Length).Select(x => rest[x.i + 1]).ToList();
    references.AddRange(Directory.GetFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));
    var dependencies = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(module))!, "Dependencies");
    if (Directory.Exists(dependencies))
    {
        references.AddRange(Directory.GetFiles(dependencies, "*.dll"));
    }

    var xmlDocs = HelpCompiler.ReadXmlDocs(Path.ChangeExtension(module, ".xml"));
    var stale = new List<string>();
    foreach (var cmdlet in CmdletReflector.Read(module, references))
    {
        var path = Path.Combine(docs, cmdlet.Name + ".md");
        var current = File.Exists(path) ? File.ReadAllText(path) : HelpCompiler.Skeleton(cmdlet);
        var docsByName = cmdlet.Parameters.ToDictionary(p => p.Name, p => xmlDocs.GetValueOrDefault($"P:{p.DeclaringType}.{p.Name}", string.Empty));
        var updated = MarkdownUpdater.Update(current, cmdlet, docsByName);
        if (updated != current.Replace("\r\n", "\n", StringComparison.Ordinal))
        {
            stale.Add(path);
            if (!check)
            {
                File.WriteAllText(path, updated);
            }
        }
    }

    if (check && stale.Count > 0)
    {
        Console.Error.WriteLine("BackupOps.HelpTool: out of date with the built cmdlets (run ./build.ps1 -Task Docs):\n  " + string.Join("\n  ", stale));
        return 1;
    }

    Console.WriteLine($"BackupOps.HelpTool: {(check ? "checked" : "updated")} {stale.Count} page(s) {(check ? "stale" : "rewritten")}");
    return 0;
}

