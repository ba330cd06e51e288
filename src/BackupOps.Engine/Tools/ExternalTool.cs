namespace BackupOps.Engine.Tools;

/// <summary>An external program found on this host, with the version it reports.</summary>
/// <param name="Name">The tool's name, for example <c>pg_dump</c>.</param>
/// <param name="Path">Absolute path of the executable.</param>
/// <param name="Version">Version text the tool printed, for example <c>15.18</c>.</param>
/// <param name="MajorVersion">Major version, for PostgreSQL tools; 0 when not applicable.</param>
public sealed record ExternalTool(string Name, string Path, string Version, int MajorVersion);
