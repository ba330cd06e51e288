#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Immutable backups from PowerShell, against the real Ceph RGW: Invoke-PgBackup -ObjectLockMode on a bucket with
    Object Lock, Remove-PgBackup refusing the locked backup (BackupLocked), a direct version delete refused by the store, the backup still restoring, and a bucket
    without Object Lock refused before pg_dump with nothing uploaded. Each test's locked bucket is left to the teardown.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    Set-TestS3Environment
    Remove-Item Env:BACKUPOPS_OBJECT_LOCK, Env:BACKUPOPS_OBJECT_LOCK_DAYS -ErrorAction Ignore
    $script:database = New-TestDatabase -Purpose 'lock'
    $script:url = Get-TestPgUrl $script:database
    $script:server = Get-TestPgUrl
    $script:rows = Invoke-TestSql $script:database 'SELECT count(*) FROM attendees'
}

AfterAll {
    Remove-TestDatabases
}

Describe 'Invoke-PgBackup -ObjectLockMode' {
    It 'locks a backup that Remove-PgBackup refuses, a version delete cannot touch, and that still restores' {
        $bucket = New-TestLockedBucket 'lock-gov'
        $store = "s3://$bucket/pg"
        $locked = Invoke-PgBackup -ConnectionString $script:url -Store $store -ObjectLockMode Governance -ObjectLockDays 1
        $newer = Invoke-PgBackup -ConnectionString $script:url -Store $store
        $locked.LockMode | Should -Be 'GOVERNANCE'
        $locked.RetainUntilUtc | Should -BeGreaterThan ([datetime]::UtcNow.AddHours(23))
        $newer.LockMode | Should -BeNullOrEmpty

        $err = Get-CommandError { Remove-PgBackup -Store $store -BackupId $locked.BackupId -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'BackupLocked,BackupOps.Commands.RemovePgBackupCommand'
        $err.Exception.Message | Should -Match 'locked until'
        Assert-PowerShellMessage $err.Exception.Message

        $version = Get-TestObjectVersions $bucket | Where-Object { $_.Key -eq "pg/$($locked.DataKey)" -and -not $_.IsDeleteMarker }
        @($version).Count | Should -Be 1
        { Invoke-TestS3 -Method DELETE -Path "$bucket/pg/$($locked.DataKey)?versionId=$($version.VersionId)" } | Should -Throw '*403*'

        (Get-PgBackup -Store $store).BackupId | Should -Contain $locked.BackupId
        $target = New-TestDatabaseName 'lock_restored'
        Register-TestDatabase $target
        $result = Get-PgBackup -Store $store | Where-Object BackupId -eq $locked.BackupId | Restore-PgBackup -ConnectionString $script:server -TargetDatabase $target
        $result.Succeeded | Should -BeTrue
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be $script:rows
    }

    It 'refuses a bucket without Object Lock before pg_dump: S3ObjectLockNotEnabled (InvalidArgument), one line with the fix, nothing uploaded' {
        $bucket = New-TestBucket 'lock-plain'
        $err = Get-CommandError { Invoke-PgBackup -ConnectionString $script:url -Store "s3://$bucket/pg" -ObjectLockMode Compliance -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'S3ObjectLockNotEnabled,BackupOps.Commands.InvokePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'object-lock-enabled-for-bucket'
        Assert-PowerShellMessage $err.Exception.Message
        @(Get-TestBucketKeys $bucket | Where-Object { $_ -like 'pg/postgresql/*' -and $_ -notlike '*runs/*' }).Count | Should -Be 0
        Get-TestMultipartUploadCount $bucket | Should -Be 0
    }

    It '-WhatIf shows the object lock check' {
        $bucket = New-TestBucket 'lock-whatif'
        $checks = Invoke-PgBackup -ConnectionString $script:url -Store "s3://$bucket/pg" -ObjectLockMode Governance -WhatIf -ErrorAction SilentlyContinue
        $lock = $checks | Where-Object Name -eq 'object lock'
        $lock.Outcome | Should -Be 'Failed'
        $lock.Detail | Should -Match 'has no S3 Object Lock'
    }
}
