using System.ComponentModel;
using System.Diagnostics;

namespace BackupOps.Engine.Tools;

/// <summary>Starts external tools with argument lists (no shell) and an explicit environment.</summary>
public static class ProcessRunner
{
    /// <summary>Environment variables that hold store credentials.</summary>
    public static readonly IReadOnlyList<string> StoreSecretVariables = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "BACKUPOPS_SSE_C_KEY"];

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

    /// <summary>Starts a tool whose standard output (and optionally input) the caller streams.</summary>
    public static ChildProcess Start(
        ExternalTool tool,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        Errors.SecretRedactor redactor,
        bool redirectInput = false,
        bool withoutStoreSecrets = false)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var process = new Process { StartInfo = CreateStartInfo(tool.Path, arguments, environment, redirectInput) };
        if (withoutStoreSecrets)
        {
            // A child that never talks to the store (pg_basebackup, age, a recovered server) gets none of its keys.
            foreach (var name in StoreSecretVariables)
            {
                process.StartInfo.Environment.Remove(name);
            }
        }

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

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }
}
