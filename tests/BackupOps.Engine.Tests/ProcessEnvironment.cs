using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Tests that set or read process-wide environment variables (R2_*, BACKUP_RETENTION_DAYS) run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessEnvironment
{
    public const string Name = "Process environment";
}
