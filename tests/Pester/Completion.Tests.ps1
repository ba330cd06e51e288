#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<# Argument completion reads the store and the S3 endpoint: backup ids, databases, Redis sources and snapshots, buckets. #>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    Set-TestS3Environment
    $script:database = New-TestDatabase -Purpose 'complete'
    $script:store = Join-Path $TestDrive 'complete store'
    $script:backup = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $script:store
    New-TestRedisData
    $script:redisStore = Join-Path $TestDrive 'complete-redis'
    $script:snapshot = Invoke-RedisSnapshot -Server (Get-TestRedisUrl) -Credential (Get-TestRedisCredential) -Store $script:redisStore -Source 'queues'
    $script:bucket = New-TestBucket 'complete'

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
}

AfterAll {
    Remove-TestDatabases
}

Describe 'Argument completers' {
    It '-BackupId completes the backups in -Store, with a tooltip' {
        $matches = Get-Completion "Restore-PgBackup -Store '$($script:store)' -BackupId "
        $matches.ListItemText | Should -Contain $script:backup.BackupId
        ($matches | Where-Object ListItemText -eq $script:backup.BackupId).ToolTip | Should -Match $script:database
        (Get-Completion "Remove-PgBackup -Store '$($script:store)' -BackupId $($script:backup.BackupId.Substring(0, 8))").ListItemText | Should -Contain $script:backup.BackupId
    }

    It '-Database completes the databases that have backups' {
        (Get-Completion "Get-PgBackup -Store '$($script:store)' -Database pester_comp").CompletionText | Should -Contain $script:database
    }

    It '-Source and -SnapshotId complete the Redis snapshots' {
        (Get-Completion "Get-RedisSnapshot -Store '$($script:redisStore)' -Source q").CompletionText | Should -Be @('queues')
        (Get-Completion "Restore-RedisSnapshot -Store '$($script:redisStore)' -SnapshotId ").CompletionText | Should -Contain $script:snapshot.SnapshotId
    }

    It '-Bucket completes the buckets of the S3 endpoint' {
        (Get-Completion "Get-R2Lifecycle -Bucket pester-complete").CompletionText | Should -Contain $script:bucket
        (Get-Completion "Test-R2Object -Bucket pester-complete").CompletionText | Should -Contain $script:bucket
    }

    It 'a store that cannot be read completes nothing and shows no error' {
        $Error.Clear()
        Get-Completion "Restore-PgBackup -Store 's3://Bad_Bucket/x' -BackupId " | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}
