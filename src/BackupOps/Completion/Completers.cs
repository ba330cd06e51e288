using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace BackupOps.Completion;

// Argument completers over the store and the S3 endpoint. Internal, with only framework types in their signatures:
// PowerShell creates them from the parameters' [ArgumentCompleter] attributes when it first needs the metadata.

/// <summary>Completes -BackupId with the valid PostgreSQL backups in -Store (of -Database when given).</summary>
internal sealed class BackupIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StoreCompletion.BackupIds(fakeBoundParameters, wordToComplete);
}

/// <summary>Completes -Database with the databases that have backups in -Store.</summary>
internal sealed class DatabaseCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StoreCompletion.Databases(fakeBoundParameters, wordToComplete);
}

/// <summary>Completes -Source with the Redis sources that have snapshots in -Store.</summary>
internal sealed class RedisSourceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StoreCompletion.RedisSources(fakeBoundParameters, wordToComplete);
}

/// <summary>Completes -SnapshotId with the Redis snapshots in -Store (of -Source when given).</summary>
internal sealed class SnapshotIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StoreCompletion.SnapshotIds(fakeBoundParameters, wordToComplete);
}

/// <summary>Completes -Bucket with the buckets the S3 endpoint lists for the configured key.</summary>
internal sealed class BucketCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StoreCompletion.Buckets(fakeBoundParameters, wordToComplete);
}
