using System.Reflection;

namespace BackupOps.Engine;

/// <summary>BackupOps' own version, as recorded in manifests.</summary>
public static class ToolInfo
{
    /// <summary>The informational version of the engine assembly (from Directory.Build.props).</summary>
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
