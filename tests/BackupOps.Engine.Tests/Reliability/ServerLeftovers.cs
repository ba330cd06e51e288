using Xunit;

namespace BackupOps.Engine.Tests.Reliability;

/// <summary>
/// Tests that leave databases of killed restores on the shared server and prune them with no grace period run one at
/// a time: a prune with --leftover-grace-hours 0 would otherwise remove another test's leftover before it is looked at.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ServerLeftovers
{
    public const string Name = "Leftover databases on the shared PostgreSQL";
}
