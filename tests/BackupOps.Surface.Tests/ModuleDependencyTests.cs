using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using System.Xml.Linq;
using Xunit;

namespace BackupOps.Surface.Tests;

/// <summary>
/// module/Dependencies holds exactly what the module needs at run time on its floor (PowerShell 7.4, .NET 8), and
/// the loader takes each assembly from where it should: the folder, or a newer runtime's own framework.
/// </summary>
public sealed class ModuleDependencyTests
{
    private static readonly string ModuleDirectory = Path.Combine(ModuleSurface.Shared.RepositoryRoot, "module");
    private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "Dependencies");

    [Fact]
    public void Every_reference_resolves_on_the_net8_floor_and_every_shipped_assembly_is_referenced()
    {
        var framework = Net8Framework();
        var shipped = Directory.GetFiles(DependencyDirectory, "*.dll").ToDictionary(p => Path.GetFileNameWithoutExtension(p)!, ReadIdentity, StringComparer.OrdinalIgnoreCase);
        var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        var pending = new Queue<string>([Path.Combine(ModuleDirectory, "BackupOps.dll")]);
        while (pending.TryDequeue(out var path))
        {
            var (name, _, references) = ReadIdentity(path);
            foreach (var reference in references)
            {
                if (shipped.TryGetValue(reference.Name!, out var dependency))
                {
                    if (dependency.Version < reference.Version)
                    {
                        problems.Add($"{name} needs {reference.Name} {reference.Version}; module/Dependencies has {dependency.Version}");
                    }

                    if (reached.Add(reference.Name!))
                    {
                        pending.Enqueue(Path.Combine(DependencyDirectory, reference.Name + ".dll"));
                    }
                }
                else if (reference.Name == "System.Management.Automation" || reference.Name == "netstandard" || reference.Name == "mscorlib")
                {
                    // PowerShell supplies System.Management.Automation; netstandard/mscorlib are facades of every runtime.
                }
                else if (!framework.TryGetValue(reference.Name!, out var available) || available < reference.Version)
                {
                    problems.Add($"{name} needs {reference.Name} {reference.Version}, which .NET 8 {(available is null ? "lacks" : $"has only as {available}")} and module/Dependencies does not ship");
                }
            }
        }

        problems.AddRange(shipped.Keys.Except(reached, StringComparer.OrdinalIgnoreCase).Select(n => $"module/Dependencies ships {n}, which nothing references"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_shipped_set_is_the_documented_list()
    {
        var listed = XDocument.Load(Path.Combine(ModuleSurface.Shared.RepositoryRoot, "build", "ModuleDependencies.props"))
            .Descendants("ModuleDependency").Select(e => (string)e.Attribute("Include")!).Order(StringComparer.Ordinal);
        Assert.Equal(listed, Directory.GetFiles(DependencyDirectory, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(XDocument.Load(Path.Combine(ModuleSurface.Shared.RepositoryRoot, "build", "ModuleDependencies.props")).Descendants("ModuleDependency"), e => Assert.False(string.IsNullOrWhiteSpace((string?)e.Attribute("Reason")), $"{e.Attribute("Include")} has no Reason"));
    }

    [Fact]
    public void The_loader_prefers_a_runtime_framework_assembly_that_satisfies_the_reference_and_the_folder_otherwise()
    {
        // The cmdlet assembly loaded for real in a context of its own, as PowerShell would load it; only the loader
        // type is used, so System.Management.Automation is never needed.
        var host = new AssemblyLoadContext("surface-test-host", isCollectible: true);
        try
        {
            var module = host.LoadFromAssemblyPath(Path.Combine(ModuleDirectory, "BackupOps.dll"));
            var loaderType = module.GetType("BackupOps.Loading.DependencyLoadContext", throwOnError: true)!;
            var loader = (AssemblyLoadContext)loaderType.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

            Assembly Load(string name) => loader.LoadFromAssemblyName(new AssemblyName(name));
            string? ContextOf(Assembly assembly) => AssemblyLoadContext.GetLoadContext(assembly)!.Name;

            // Shipped for .NET 8; this runtime (10) has newer copies of its own, so those are used: one of each.
            Assert.Equal("Default", ContextOf(Load("System.Diagnostics.DiagnosticSource, Version=9.0.0.0")));
            Assert.Equal("Default", ContextOf(Load("System.IO.Pipelines, Version=8.0.0.0")));

            // Packages the runtime does not have come from the folder, into the private context.
            foreach (var name in new[] { "BackupOps.Engine", "Npgsql", "AWSSDK.Core", "AWSSDK.S3", "StackExchange.Redis", "Pipelines.Sockets.Unofficial", "System.IO.Hashing", "Microsoft.Extensions.Logging.Abstractions" })
            {
                var assembly = Load(name);
                Assert.Equal("BackupOps.Dependencies", ContextOf(assembly));
                Assert.StartsWith(DependencyDirectory, assembly.Location, StringComparison.Ordinal);
            }

            // And the engine's package types resolve through that context (Npgsql's references include DiagnosticSource 9.0).
            Assert.NotNull(Load("Npgsql").GetType("Npgsql.NpgsqlConnection", throwOnError: true));
            Assert.NotNull(Load("StackExchange.Redis").GetType("StackExchange.Redis.ConnectionMultiplexer", throwOnError: true));
        }
        finally
        {
            host.Unload();
        }
    }

    private static (string Name, Version Version, IReadOnlyList<AssemblyName> References) ReadIdentity(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var definition = metadata.GetAssemblyDefinition();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetAssemblyReference(h).GetAssemblyName()).ToList();
        return (metadata.GetString(definition.Name), definition.Version, references);
    }

    // The assemblies and versions of .NET 8's shared framework, from its targeting pack's FrameworkList.xml.
    private static Dictionary<string, Version> Net8Framework()
    {
        var packs = Path.Combine(NuGetPackageRoot(), "microsoft.netcore.app.ref");
        var pack = Directory.Exists(packs)
            ? Directory.GetDirectories(packs, "8.0.*").OrderBy(d => Version.Parse(Path.GetFileName(d)!)).LastOrDefault()
            : null;
        var list = pack is null ? null : Path.Combine(pack, "data", "FrameworkList.xml");
        if (list is null || !File.Exists(list))
        {
            throw new InvalidOperationException($"The .NET 8 targeting pack (Microsoft.NETCore.App.Ref 8.0.x) is not under {packs}; building the net8.0 projects restores it.");
        }

        return XDocument.Load(list).Descendants("File")
            .ToDictionary(f => (string)f.Attribute("AssemblyName")!, f => Version.Parse((string)f.Attribute("AssemblyVersion")!), StringComparer.OrdinalIgnoreCase);
    }

    private static string NuGetPackageRoot() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
