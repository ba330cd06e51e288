using BackupOps.Engine.Errors;

namespace BackupOps.Cli;

/// <summary>
/// The one place every outcome of a command becomes an exit code and at most one line on stderr: BackupOps errors
/// with their stable id, cancellation (exit 130) with what was left behind, and anything else as UnexpectedError
/// with its first cause. Never a stack trace, never "Unhandled exception".
/// </summary>
internal static class TopLevel
{
    public static async Task<int> RunAsync(Func<Task<int>> command, SignalCancellation signals)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            // A background thread failed: the runtime ends the process; it ends with one line and exit 1 instead.
            Console.Error.WriteLine($"backupops: error [UnexpectedError]: {Describe(e.ExceptionObject as Exception)}");
            Environment.Exit(ExitCodes.Failed);
        };

        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception ex) when (signals.Received is not null)
        {
            // However the work noticed the signal (a child killed by the same Ctrl+C fails first), it was cancelled.
            Console.Error.WriteLine($"backupops: cancelled by {signals.Received}; {LeftBehind(ex) ?? "nothing partial was kept"}.");
            return ExitCodes.Cancelled;
        }
        catch (BackupOpsException ex)
        {
            Console.Error.WriteLine($"backupops: error [{ex.ErrorId}]: {OneLine(FrontEndText.ForCli(ex.Message))}");
            return ExitCodes.For(ex.Kind);
        }
        catch (OperationCanceledException ex)
        {
            Console.Error.WriteLine($"backupops: cancelled; {LeftBehind(ex) ?? "nothing partial was kept"}.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"backupops: error [UnexpectedError]: {Describe(ex)}");
            return ExitCodes.Failed;
        }
    }

    private static string? LeftBehind(Exception ex)
    {
        var at = ex.Message.IndexOf("Left behind:", StringComparison.Ordinal);
        return at < 0 ? null : OneLine(FrontEndText.ForCli(ex.Message[at..].TrimEnd('.')));
    }

    // The first cause, in one line: what an operator can act on (the full chain would be a stack trace by another name).
    private static string Describe(Exception? ex)
    {
        if (ex is null)
        {
            return "an unknown failure. Please report it with the command that was run.";
        }

        var first = ex;
        while (first.InnerException is not null && first is AggregateException or System.Reflection.TargetInvocationException)
        {
            first = first.InnerException;
        }

        return $"{first.GetType().Name}: {OneLine(first.Message)} This is a BackupOps bug; please report it with the command that was run.";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
