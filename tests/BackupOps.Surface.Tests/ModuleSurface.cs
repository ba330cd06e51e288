using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace BackupOps.Surface.Tests;

/// <summary>The built module, loaded for inspection only.</summary>
public sealed partial class ModuleSurface
{
    private static readonly Lazy<ModuleSurface> SharedInstance = new(() => new ModuleSurface());

    private ModuleSurface()
    {
        RepositoryRoot = FindRepositoryRoot();
        var moduleDirectory = Path.Combine(RepositoryRoot, "module");
        var cmdletAssembly = Path.Combine(moduleDirectory, "BackupOps.dll");
        if (!File.Exists(cmdletAssembly))
        {
            throw new InvalidOperationException($"{cmdletAssembly} is missing: build the solution first (dotnet build BackupOps.sln lays out module/).");
        }

        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(moduleDirectory, "Dependencies"), "*.dll"))
            .Append(cmdletAssembly)
            .Append(Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll"))
            .GroupBy(Path.GetFileName).Select(g => g.Last());
        Context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        Module = Context.LoadFromAssemblyPath(cmdletAssembly);
        Automation = Context.LoadFromAssemblyName("System.Management.Automation");
        CmdletAttribute = Automation.GetType("System.Management.Automation.CmdletAttribute", throwOnError: true)!;
        ParameterAttribute = Automation.GetType("System.Management.Automation.ParameterAttribute", throwOnError: true)!;
        Cmdlets = Module.GetTypes().Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType == CmdletAttribute)).OrderBy(t => t.Name).ToList();
    }

    public static ModuleSurface Shared => SharedInstance.Value;

    public string RepositoryRoot { get; }

    public MetadataLoadContext Context { get; }

    public Assembly Module { get; }

    public Assembly Automation { get; }

    public Type CmdletAttribute { get; }

    public Type ParameterAttribute { get; }

    public IReadOnlyList<Type> Cmdlets { get; }

    public static (string Verb, string Noun) NameOf(Type cmdlet)
    {
        var attribute = cmdlet.GetCustomAttributesData().Single(a => a.AttributeType.Name == "CmdletAttribute");
        return ((string)attribute.ConstructorArguments[0].Value!, (string)attribute.ConstructorArguments[1].Value!);
    }

    public static string FullName(Type cmdlet)
    {
        var (verb, noun) = NameOf(cmdlet);
        return $"{verb}-{noun}";
    }

    public static T? Named<T>(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(n => n.MemberName == name).Select(n => (T?)n.TypedValue.Value).FirstOrDefault();

    /// <summary>Parameters: public properties carrying [Parameter] (inherited ones included), with each [Parameter] instance.</summary>
    public IEnumerable<(PropertyInfo Property, IReadOnlyList<CustomAttributeData> Parameters)> ParametersOf(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p, (IReadOnlyList<CustomAttributeData>)p.GetCustomAttributesData().Where(a => a.AttributeType == ParameterAttribute).ToList()))
            .Where(x => x.Item2.Count > 0);

    public static IEnumerable<string> AliasesOf(PropertyInfo property) =>
        property.GetCustomAttributesData().Where(a => a.AttributeType.Name == "AliasAttribute")
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!));

    public IReadOnlyList<string> ManifestCmdlets()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot, "BackupOps.psd1"));
        var block = CmdletsBlock().Match(text).Groups[1].Value;
        return [.. QuotedName().Matches(block).Select(m => m.Groups[1].Value)];
    }

    public string ManifestValue(string key) => Regex.Match(File.ReadAllText(Path.Combine(RepositoryRoot, "BackupOps.psd1")), $@"(?m)^\s*{key}\s*=\s*'([^']*)'").Groups[1].Value;

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BackupOps.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("BackupOps.sln not found above the test folder.");
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\(([^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletsBlock();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();
}
