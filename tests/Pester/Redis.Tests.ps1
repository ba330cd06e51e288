#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<# Invoke-, Get-, Restore- and Remove-RedisSnapshot in real pwsh against the real Redis 7 the test host started. #>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    New-TestRedisData
    $script:store = Join-Path $TestDrive 'redis-store'
    $script:redis = Get-TestRedisUrl
    $script:credential = Get-TestRedisCredential
    $script:older = Invoke-RedisSnapshot -Server $script:redis -Credential $script:credential -Store $script:store -Source 'queues'
    $script:newest = Invoke-RedisSnapshot -Server $script:redis -Credential $script:credential -Store $script:store -Source 'queues'
}

Describe 'Invoke-RedisSnapshot' {
    It 'snapshots the server into the store with its key counts' {
        $script:newest | Should -BeOfType 'BackupOps.RedisSnapshot'
        $script:newest.Source | Should -Be 'queues'
        $script:newest.Keys | Should -Be 5
        $script:newest.Sha256 | Should -Match '^[0-9a-f]{64}$'
        (Get-FileHash -Algorithm SHA256 (Join-Path $script:store $script:newest.DataKey)).Hash.ToLowerInvariant() | Should -Be $script:newest.Sha256
    }

    It '-WhatIf writes no snapshot' {
        $store = Join-Path $TestDrive 'redis-whatif'
        Invoke-RedisSnapshot -Server $script:redis -Credential $script:credential -Store $store -Source 'queues' -WhatIf | Should -BeNullOrEmpty
        # Nothing at all: not even the store folder (a reader would now say StoreNotFound for it).
        Test-Path $store | Should -BeFalse
    }

    It 'bad input: a wrong password is an AuthenticationError with a stable id, and names no secret' {
        $wrong = [pscredential]::new('default', (ConvertTo-SecureString 'wrong-redis-password' -AsPlainText -Force))
        $err = Get-CommandError { Invoke-RedisSnapshot -Server $script:redis -Credential $wrong -Store (Join-Path $TestDrive 'never') -Source 'queues' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'Redis*,BackupOps.Commands.InvokeRedisSnapshotCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Not -Match 'wrong-redis-password'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'Get-RedisSnapshot' {
    It 'lists snapshots newest first, -Latest one per source' {
        (Get-RedisSnapshot -Store $script:store).SnapshotId | Should -Be @($script:newest.SnapshotId, $script:older.SnapshotId)
        (Get-RedisSnapshot -Store $script:store -Source 'queues' -Latest).SnapshotId | Should -Be $script:newest.SnapshotId
        Get-RedisSnapshot -Store $script:store -Source 'nothing-here' | Should -BeNullOrEmpty
    }

    It 'bad input: a store with an invalid bucket name is StoreBucketInvalid (InvalidArgument), naming -Store' {
        $err = Get-CommandError { Get-RedisSnapshot -Store 's3://Bad_Bucket/redis' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreBucketInvalid,BackupOps.Commands.GetRedisSnapshotCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Store'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'Restore-RedisSnapshot' {
    It 'the README pipeline: Get-RedisSnapshot -Latest | Restore-RedisSnapshot into a sandbox, checks with outcomes' {
        $result = Get-RedisSnapshot -Store $script:store -Source 'queues' -Latest | Restore-RedisSnapshot -Queue 'queue:emails=20..30' -ExpectKey 'config:flag'
        $result | Should -BeOfType 'BackupOps.RedisRestoreResult'
        $result.Succeeded | Should -BeTrue
        $result.SnapshotId | Should -Be $script:newest.SnapshotId
        $result.Mode | Should -Be 'Sandbox'
        $result.Checks | Should -Not -BeNullOrEmpty
        $result.Checks | Where-Object Name -ne 'signature' | ForEach-Object { $_.Outcome | Should -Be 'Passed' }
        # An unsigned snapshot restored without -TrustedKey says so, as a warning (nothing was checked).
        ($result.Checks | Where-Object Name -eq 'signature').Outcome | Should -Be 'Warning'
        ($result.Checks | Where-Object Name -eq 'signature').Detail | Should -Be 'unsigned'
        # Shown as text, a check reads with its outcome (not just its name).
        ($result | Out-String -Width 80) | Should -Match 'Passed: '
        "$($result.Checks[0])" | Should -Match '^Passed: '
    }

    It 'a queue bound that does not hold fails its check with the reason, as a non-terminating error' {
        $result = Restore-RedisSnapshot -Store $script:store -Latest -Source 'queues' -Queue 'queue:emails=100..200' -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        ($result.Checks | Where-Object Outcome -eq 'Failed').Name | Should -Match 'queue:emails'
        $failed[0].FullyQualifiedErrorId | Should -Be 'RedisRestoreValidationFailed,BackupOps.Commands.RestoreRedisSnapshotCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidResult'
    }

    It 'bad input: an unknown snapshot id is ObjectNotFound' {
        $err = Get-CommandError { Restore-RedisSnapshot -Store $script:store -SnapshotId '20200101T000000000Z-000000' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike '*NotFound,BackupOps.Commands.RestoreRedisSnapshotCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: -Mode IntoServer without -Target names the PowerShell parameter' {
        $err = Get-CommandError { Restore-RedisSnapshot -Store $script:store -Latest -Source 'queues' -Mode IntoServer -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'RedisRestoreTargetMissing,BackupOps.Commands.RestoreRedisSnapshotCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Target'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'Remove-RedisSnapshot' {
    It 'removes the older snapshot by id, keeps the newest, and -WhatIf removes nothing' {
        Get-RedisSnapshot -Store $script:store | Where-Object SnapshotId -eq $script:older.SnapshotId | Remove-RedisSnapshot -WhatIf | Should -BeNullOrEmpty
        @(Get-RedisSnapshot -Store $script:store).Count | Should -Be 2
        $removed = Remove-RedisSnapshot -Store $script:store -SnapshotId $script:older.SnapshotId -Confirm:$false
        $removed.Removed | Should -BeTrue
        (Get-RedisSnapshot -Store $script:store).SnapshotId | Should -Be $script:newest.SnapshotId
    }

    It 'bad input: -RetentionDays 0 is refused by parameter validation' {
        $err = Get-CommandError { Remove-RedisSnapshot -Store $script:store -RetentionDays 0 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,BackupOps.Commands.RemoveRedisSnapshotCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }
}
