using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BackupOps.Loading;

/// <summary>
/// The private AssemblyLoadContext for module/Dependencies/: the engine, Npgsql, AWSSDK, StackExchange.Redis and
/// their dependencies load here, never into PowerShell's default context, so AWS.Tools or another module's
/// Npgsql in the same session cannot clash with ours. Assemblies not in the folder (the framework) fall through
/// to the default context, and so does a framework assembly that the folder carries only for older runtimes
/// (System.Diagnostics.DiagnosticSource 9.0 for .NET 8) when the running runtime's own copy is at least the
/// version asked for: one DiagnosticSource in the process, so the host's listeners see Npgsql's activities and
/// meters. build/ModuleDependencies.props lists what the folder holds and why.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "Dependencies");

    private static readonly string RuntimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();

    private DependencyLoadContext()
        : base("BackupOps.Dependencies", isCollectible: false)
    {
    }

    public static DependencyLoadContext Instance { get; } = new();

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) && !RuntimeSatisfies(assemblyName) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>True when the running runtime's shared framework has this assembly at the version asked for or newer.</summary>
    internal static bool RuntimeSatisfies(AssemblyName assemblyName)
    {
        var framework = Path.Combine(RuntimeDirectory, assemblyName.Name + ".dll");
        if (!File.Exists(framework))
        {
            return false;
        }

        var available = AssemblyName.GetAssemblyName(framework).Version;
        return available is not null && (assemblyName.Version is null || available >= assemblyName.Version);
    }
}
