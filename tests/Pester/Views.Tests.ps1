#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Every default view renders real objects at 80 columns: no line wider than the console, the store shown whole
    (a group header, never cut to '/tm…'), sizes in units that do not round a small backup to 0.0 MB, nested checks
    and rules shown with their outcome or description rather than a type name.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    Set-TestS3Environment
    $script:database = New-TestDatabase -Purpose 'views'
    # A store path long enough that an 80-column table would have to cut it.
    $script:store = Join-Path $TestDrive 'a-rather-long-folder-name/for-backups/of-the-production-cluster/postgresql'
    $script:backup = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $script:store
    $script:older = $script:backup
    $script:backup = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $script:store
    New-TestRedisData
    $script:redisStore = Join-Path $TestDrive 'redis-views'
    $script:snapshot = Invoke-RedisSnapshot -Server (Get-TestRedisUrl) -Credential (Get-TestRedisCredential) -Store $script:redisStore -Source 'queues'
    $script:bucket = New-TestBucket 'views'
    Write-TestObject $script:bucket 'sample/a.txt' 'a'
    Set-R2Lifecycle -Bucket $script:bucket -Prefix sample/ -Confirm:$false -Force | Out-Null

    function Get-Rendered($InputObject) {
        $text = $InputObject | Out-String -Width 80
        $lines = $text -split "`n" | ForEach-Object { $_.TrimEnd() }
        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80 columns"
        }
        $text | Should -Not -Match '…' -Because 'nothing may be cut'
        $text | Should -Not -Match '\{?BackupOps\.[A-Z]\w+[,}]' -Because 'nested objects must render, not show their type name'
        $text
    }
}

AfterAll {
    Remove-TestDatabases
}

Describe 'Default views at 80 columns' {
    It 'PgBackup: the whole store as the group header, a human size for a small backup' {
        $text = Get-Rendered (Get-PgBackup -Store $script:store)
        # Whole, even when it wraps: the header may break the path across lines but never cuts it.
        ($text -replace '\r?\n', '') | Should -Match ([regex]::Escape("Store: $($script:store)"))
        $text | Should -Match $script:backup.BackupId
        $text | Should -Not -Match '\b0\.0 MB'
        $text | Should -Match '\d+(\.\d)? (B|KB)\b'
    }

    It 'PgRestoreResult: checks with their outcomes' {
        $target = New-TestDatabaseName 'views_restore'
        Register-TestDatabase $target
        $result = Restore-PgBackup -ConnectionString (Get-TestPgUrl) -Store $script:store -BackupId $script:backup.BackupId -TargetDatabase $target
        $text = Get-Rendered $result
        $text | Should -Match 'Passed: sha256'
        $text | Should -Match "TargetDatabase\s+: $target"
    }

    It 'BackupCheck: the dry run table' {
        $text = Get-Rendered (Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store (Join-Path $TestDrive 'views-dry') -WhatIf)
        $text | Should -Match 'Outcome\s+Name\s+Detail'
        $text | Should -Match 'Passed'
    }

    It 'BackupPruneResult and PgBackupLeftover' {
        $removed = Remove-PgBackup -Store $script:store -BackupId $script:older.BackupId -Confirm:$false
        $text = Get-Rendered $removed
        ($text -replace '\r?\n', '') | Should -Match ([regex]::Escape("Store: $($script:store)"))
        $text | Should -Match 'True'
        $leftoverStore = Join-Path $TestDrive 'views-leftover'
        $partial = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $leftoverStore
        Remove-Item (Join-Path $leftoverStore $partial.ManifestKey)
        $text = Get-Rendered (Get-PgBackup -Store $leftoverStore -Leftover)
        $text | Should -Match ([regex]::Escape($partial.DataKey.Split('/')[-1]))
    }

    It 'RedisSnapshot and RedisRestoreResult' {
        $text = Get-Rendered (Get-RedisSnapshot -Store $script:redisStore)
        $text | Should -Match ([regex]::Escape("Store: $($script:redisStore)"))
        $text | Should -Match $script:snapshot.SnapshotId
        $text = Get-Rendered (Restore-RedisSnapshot -Store $script:redisStore -Latest -Source 'queues' -Queue 'queue:emails=1..100')
        $text | Should -Match 'Passed: '
        $text | Should -Match 'Mode\s+: Sandbox'
    }

    It 'R2LifecycleRule, R2LifecycleResult, R2ObjectCheck and R2ObjectSummary' {
        $text = Get-Rendered (Get-R2Lifecycle -Bucket $script:bucket)
        $text | Should -Match 'backupops-default'
        $text = Get-Rendered (Test-R2Lifecycle -Bucket $script:bucket -Prefix sample/)
        $text | Should -Match 'InSync\s+: True'
        $text | Should -Match 'backupops-default: '
        $text = Get-Rendered (Test-R2Object -Bucket $script:bucket -Prefix sample/ -Sample All)
        $text | Should -Match 'sample/a.txt'
        $text = Get-Rendered (Test-R2Object -Bucket $script:bucket -Prefix sample/ -Sample All -Summary)
        $text | Should -Match 'Checked\s+: 1'
    }

    It 'BackupStatus, DrDrillConfigFile and DrDrillReport' {
        $text = Get-Rendered (Get-BackupStatus -Store $script:store)
        $text | Should -Match 'Healthy'
        $definition = Join-Path $TestDrive 'views-drill.json'
        $text = Get-Rendered (New-DrDrillConfig -Path $definition)
        ($text -replace '\r?\n\s*', '') | Should -Match ([regex]::Escape($definition))
        @{ version = 1; environment = 'views'; databases = @(@{ name = $script:database; store = $script:store }) } | ConvertTo-Json -Depth 5 | Set-Content $definition
        $text = Get-Rendered (Test-DrDrill -Path $definition -DryRun)
        $text | Should -Match 'Passed: database reachable'
    }
}
