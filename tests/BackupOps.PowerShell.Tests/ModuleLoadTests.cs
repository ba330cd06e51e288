using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace BackupOps.PowerShell.Tests;

/// <summary>
/// What PowerShell does on Import-Module before the module initializer runs, done by the runtime itself: load
/// module/BackupOps.dll where BackupOps.Engine cannot be found and call GetExportedTypes(). A MetadataLoadContext
/// resolves what the runtime does not, so only a runtime load proves the import works.
/// </summary>
public sealed class ModuleLoadTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Exported_types_and_their_members_load_without_the_engine()
    {
        var context = new EngineRefusingContext(Pwsh.Home);
        var module = context.LoadFromAssemblyPath(Path.Combine(Pwsh.RepositoryRoot, "module", "BackupOps.dll"));

        var exported = module.GetExportedTypes();

        Assert.Contains(exported, t => t.FullName == "BackupOps.Commands.RemovePgBackupCommand");
        Assert.Contains(exported, t => t.FullName == "BackupOps.Internal.RemoveBackupsCmdlet");
        foreach (var type in exported)
        {
            for (var current = type; current is not null && current.Assembly == module; current = current.BaseType)
            {
                LoadMembers(current);
            }
        }

        Assert.True(context.Refused.Count == 0, $"loading the exported types needed {string.Join(", ", context.Refused)}");
    }

    [Fact]
    public void The_refusing_context_does_refuse_the_engine()
    {
        // The guard above must be able to fail: the engine's own types need it.
        var context = new EngineRefusingContext(Pwsh.Home);
        var module = context.LoadFromAssemblyPath(Path.Combine(Pwsh.RepositoryRoot, "module", "BackupOps.dll"));
        var mapper = module.GetType("BackupOps.Internal.OutputMapper", throwOnError: true)!;
        Assert.ThrowsAny<Exception>(() => mapper.GetMethods(Declared).SelectMany(m => m.GetParameters()).Select(p => p.ParameterType).ToList());
        Assert.Contains("BackupOps.Engine", context.Refused);
    }

    private static void LoadMembers(Type type)
    {
        _ = type.GetInterfaces();
        foreach (var argument in type.GetGenericArguments())
        {
            _ = argument.GetGenericParameterConstraints();
        }

        foreach (var field in type.GetFields(Declared))
        {
            _ = field.FieldType;
        }

        foreach (var property in type.GetProperties(Declared))
        {
            _ = property.PropertyType;
            _ = property.GetCustomAttributes(inherit: true);
        }

        _ = type.GetCustomAttributes(inherit: true);
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            // Compiler-generated bodies (lambdas, local functions) are resolved only when JIT-compiled, after the import.
            if (method.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            _ = method.GetParameters().Select(p => p.ParameterType).ToList();
            if (method is MethodInfo info)
            {
                _ = info.ReturnType;
                foreach (var argument in info.GetGenericArguments())
                {
                    _ = argument.GetGenericParameterConstraints();
                }
            }
        }
    }

    /// <summary>Resolves PowerShell from $PSHOME, the framework from the default context, and refuses BackupOps.Engine and everything in module/Dependencies.</summary>
    private sealed class EngineRefusingContext(string powerShellHome) : AssemblyLoadContext("refuses-engine", isCollectible: true)
    {
        private readonly string[] _dependencies = [.. Directory.GetFiles(Path.Combine(Pwsh.RepositoryRoot, "module", "Dependencies"), "*.dll").Select(Path.GetFileNameWithoutExtension)!];

        public List<string> Refused { get; } = [];

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name!;
            if (name == "BackupOps.Engine" || _dependencies.Contains(name))
            {
                Refused.Add(name);
                throw new FileNotFoundException($"refused {name}: PowerShell cannot find it before the module initializer runs");
            }

            var fromPowerShell = Path.Combine(powerShellHome, name + ".dll");
            return File.Exists(fromPowerShell) && name.StartsWith("System.Management.Automation", StringComparison.Ordinal) ? LoadFromAssemblyPath(fromPowerShell) : null;
        }
    }
}
