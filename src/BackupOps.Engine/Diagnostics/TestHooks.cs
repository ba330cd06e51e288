namespace BackupOps.Engine.Diagnostics;

/// <summary>
/// TEST-ONLY fault-injection points. With <c>BACKUPOPS_TEST_PAUSE_AT=&lt;step&gt;[,&lt;step&gt;]</c> set, the engine writes
/// <c>BACKUPOPS_TEST_PAUSED &lt;step&gt;</c> to stderr when it reaches that step and waits there (until
/// <c>BACKUPOPS_TEST_RESUME_FILE</c> exists, the operation is cancelled, or 10 minutes pass), so the reliability tests
/// can kill -9, signal or starve the process at an exact, named point instead of guessing with sleeps. Unset (always, in
/// production), every hook is a single check of a static field. The steps are listed in docs/testing.md.
/// </summary>
internal static class TestHooks
{
    /// <summary>The variable naming the steps to pause at.</summary>
    public const string PauseVariable = "BACKUPOPS_TEST_PAUSE_AT";

    /// <summary>The variable naming a file whose creation ends the pause.</summary>
    public const string ResumeFileVariable = "BACKUPOPS_TEST_RESUME_FILE";

    /// <summary>The line written to stderr at a pause.</summary>
    public const string PausedMarker = "BACKUPOPS_TEST_PAUSED";

    private static readonly string[] Steps = (Environment.GetEnvironmentVariable(PauseVariable) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when any pause is requested (lets hot paths skip bookkeeping).</summary>
    public static bool Enabled => Steps.Length > 0;

    /// <summary>Pauses at <paramref name="step"/> when it was requested; otherwise returns at once.</summary>
    public static async Task PauseAsync(string step, CancellationToken cancellationToken)
    {
        if (!Enabled || !Steps.Contains(step, StringComparer.Ordinal))
        {
            return;
        }

        await Console.Error.WriteLineAsync($"{PausedMarker} {step}").ConfigureAwait(false);
        await Console.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
        var resume = Environment.GetEnvironmentVariable(ResumeFileVariable);
        var until = DateTime.UtcNow.AddMinutes(10);
        while ((resume is null || !File.Exists(resume)) && DateTime.UtcNow < until)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
