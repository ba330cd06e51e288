using System.Reflection;
using System.Runtime.Loader;

namespace BackupOps.Loading;

/// <summary>
/// The private AssemblyLoadContext for module/Dependencies/: the engine, Npgsql, AWSSDK and their
/// dependencies load here, never into PowerShell's default context, so AWS.Tools or another module's
/// Npgsql in the same session cannot clash with ours. Assemblies not in the folder (the framework)
/// fall through to the default context.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "Dependencies");

    private DependencyLoadContext()
        : base("BackupOps.Dependencies", isCollectible: false)
    {
    }

    public static DependencyLoadContext Instance { get; } = new();

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
