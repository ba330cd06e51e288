using BackupOps.Engine.Errors;
using BackupOps.Engine.Tools;

namespace BackupOps.Engine.Wal;

/// <summary>Runs <c>age</c> over a buffer (a WAL file is at most one segment, so it is handled whole).</summary>
internal static class AgeFilter
{
    // One `age --version` probe per process, not per file.
    private static readonly Lazy<ExternalTool> Tool = new(AgeTool.Find);

    public static Task<byte[]> EncryptAsync(ReadOnlyMemory<byte> plain, IReadOnlyList<string> recipients, CancellationToken cancellationToken) =>
        RunAsync(AgeTool.EncryptArguments(recipients), plain, "AgeEncryptFailed", "Encrypting WAL", cancellationToken);

    public static Task<byte[]> DecryptAsync(ReadOnlyMemory<byte> encrypted, string identityFile, CancellationToken cancellationToken) =>
        RunAsync(AgeTool.DecryptArguments(identityFile), encrypted, "AgeDecryptFailed", "Decrypting WAL", cancellationToken);

    private static async Task<byte[]> RunAsync(IReadOnlyList<string> arguments, ReadOnlyMemory<byte> input, string errorId, string what, CancellationToken cancellationToken)
    {
        await using var age = ProcessRunner.Start(Tool.Value, arguments, null, new SecretRedactor(), redirectInput: true);
        var feed = Task.Run(
            async () =>
            {
                await using var stdin = age.Input;
                await stdin.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
        using var output = new MemoryStream(input.Length + 4096);
        await age.Output.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        await feed.ConfigureAwait(false);
        await age.WaitForSuccessAsync(errorId, what, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }
}
