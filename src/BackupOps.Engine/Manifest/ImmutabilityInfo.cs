namespace BackupOps.Engine.Manifest;

/// <summary>
/// The Object Lock a backup was written under: its data object and manifest cannot be deleted or overwritten before
/// <paramref name="RetainUntilUtc"/> (the data object's date; the manifest, written after it, is locked a little longer).
/// </summary>
/// <param name="Mode"><c>GOVERNANCE</c>, <c>COMPLIANCE</c> or <c>BUCKET-RULE</c> (enforced by a bucket lock rule, as on R2).</param>
/// <param name="RetainUntilUtc">Until when the backup is locked.</param>
public sealed record ImmutabilityInfo(string Mode, DateTimeOffset RetainUntilUtc);
