namespace BackupOps.Internal;

/// <summary>What <see cref="BackupRemoval.RemoveBackups{TManifest}"/> did.</summary>
/// <param name="Store">The resolved store spec.</param>
/// <param name="Planned">Keys (backup ids or leftover keys) the plan would remove, with their source.</param>
/// <param name="Removed">Keys actually removed (confirmed, not -WhatIf), with their source.</param>
/// <param name="LeftAlone">Sources the plan refused to touch.</param>
internal sealed record RemovalOutcome(string Store, IReadOnlyList<(string Key, string? Source)> Planned, IReadOnlyList<(string Key, string? Source)> Removed, IReadOnlyList<string> LeftAlone);
