using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace BackupOps.Loading;

/// <summary>
/// Runs when PowerShell imports the module: the default context is taught to find exactly one assembly,
/// BackupOps.Engine, by loading it into <see cref="DependencyLoadContext"/>; everything the engine needs then
/// resolves inside that context.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private const string EngineAssemblyName = "BackupOps.Engine";

    /// <summary>Registers the resolver (called by PowerShell on Import-Module).</summary>
    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? DependencyLoadContext.Instance.LoadFromAssemblyName(name) : null;
}
