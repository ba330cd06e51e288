namespace BackupOps.Engine.Lifecycle;

/// <summary>The seed's provider-neutral tiers; providers map them to their own storage classes.</summary>
public enum StorageTier
{
    /// <summary>Default class for new objects.</summary>
    Standard,
    /// <summary>Infrequent access (S3 STANDARD_IA; R2 Infrequent Access).</summary>
    InfrequentAccess,
    /// <summary>Long-term archive (S3 GLACIER); R2 has none.</summary>
    Archive,
}
