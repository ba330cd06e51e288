using System.ComponentModel;
using System.Diagnostics;

namespace BackupOps.Engine.Tools;

/// <summary>
/// Starts external tools with argument lists (no shell) and an environment built for each child: the
/// <see cref="ChildEnvironment.Base"/> plus what the caller passes, never this process's own environment.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Runs a short command and returns its standard output, or null when it cannot run or fails.</summary>
    public static string? RunToEnd(string path, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        try
        {
            using var process = Process.Start(CreateStartInfo(path, arguments, null, redirectInput: false));
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// Starts a tool whose standard output (and optionally input) the caller streams. <paramref name="environment"/>
    /// holds the only variables beyond the base the child gets (null: none). <paramref name="bulkOutput"/>: the tool
    /// streams a large output through stdio (pg_dump), which then goes out in 1 MiB writes (<see cref="BulkOutput"/>).
    /// </summary>
    public static ChildProcess Start(
        ExternalTool tool,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        Errors.SecretRedactor redactor,
        bool redirectInput = false,
        bool bulkOutput = false)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var (path, effectiveArguments) = bulkOutput ? BulkOutput.Wrap(tool.Path, arguments) : (tool.Path, arguments);
        var process = new Process { StartInfo = CreateStartInfo(path, effectiveArguments, environment, redirectInput) };

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new Errors.BackupOpsException(
                Errors.BackupOpsErrorKind.ToolMissing,
                "ToolStartFailed",
                $"{tool.Name} at {tool.Path} could not be started: {ex.Message}.", ex);
        }

        if (redirectInput)
        {
            PipeCapacity.TryWiden(process.StandardInput.BaseStream, 1 << 20);
        }

        if (bulkOutput)
        {
            // Room for a whole 1 MiB write: the reader then wakes once per write, not 16 times.
            PipeCapacity.TryWiden(process.StandardOutput.BaseStream, 1 << 20);
        }

        return new ChildProcess(tool.Name, process, redactor);
    }

    private static ProcessStartInfo CreateStartInfo(string path, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, bool redirectInput)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Least privilege: the child starts from the base, not from this process's environment (which may hold
        // DATABASE_URL, S3 keys, the SSE-C key, a webhook URL).
        info.Environment.Clear();
        foreach (var (key, value) in ChildEnvironment.Base())
        {
            info.Environment[key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
