namespace BackupOps.Engine.Restore;

/// <summary>What a restore would do, known before it starts (for -WhatIf and confirmations).</summary>
/// <param name="Description">One line: the backup, the target and what happens to it.</param>
/// <param name="TargetDatabase">The database restored into.</param>
/// <param name="ReplacesExisting">True when a non-empty target would be replaced (-Force).</param>
public sealed record PgRestorePlan(string Description, string TargetDatabase, bool ReplacesExisting);
