# BackupOps module manifest. Built layout (dotnet build): module/BackupOps.dll and module/Dependencies/.
# ModuleVersion must equal <VersionPrefix> in Directory.Build.props (the static surface test checks it).
@{
    RootModule             = 'module/BackupOps.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '5b7c8f0e-3d1a-4c55-9a52-7e0f1c6b2d94'
    Author                 = 'BackupOps contributors'
    CompanyName            = 'BackupOps'
    Copyright              = '(c) BackupOps contributors'
    Description            = 'Back up, restore, tier and drill PostgreSQL, S3/R2 objects and Redis: verified backups with manifests, streamed to folders or object storage.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    FormatsToProcess       = @('module/BackupOps.format.ps1xml')
    CmdletsToExport        = @(
        'Invoke-PgBackup'
        'Get-PgBackup'
        'Restore-PgBackup'
        'Remove-PgBackup'
        'Invoke-PgBaseBackup'
        'Get-PgBaseBackup'
        'Restore-PgBaseBackup'
        'Remove-PgBaseBackup'
        'Test-PgWalArchive'
        'Set-R2Lifecycle'
        'Get-R2Lifecycle'
        'Test-R2Lifecycle'
        'Test-R2Object'
        'Invoke-RedisSnapshot'
        'Get-RedisSnapshot'
        'Restore-RedisSnapshot'
        'Remove-RedisSnapshot'
        'Get-BackupStatus'
        'Test-DrDrill'
        'New-DrDrillConfig'
        'New-BackupSigningKey'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Backup', 'PostgreSQL', 'S3', 'R2', 'DisasterRecovery', 'Linux')
            ProjectUri   = ''
            ReleaseNotes = 'PostgreSQL backup, list, restore with validation, and retention; R2/S3 lifecycle tiers and object integrity checks; Redis snapshots with sandbox restores; backup health; the monthly DR drill.'
        }
    }
}
