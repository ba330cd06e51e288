using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// The point-in-time tests each run a PostgreSQL whose archiver starts a `backupops` process per segment: they run
/// one at a time and apart from the other collections, so they neither starve each other nor the timed tests.
/// </summary>
[CollectionDefinition("pitr", DisableParallelization = true)]
public sealed class PitrTestGroup
{
}
