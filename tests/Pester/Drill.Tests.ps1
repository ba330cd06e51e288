#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Test-DrDrill, New-DrDrillConfig and Get-BackupStatus in real pwsh, and the monthly drill checklist
    (module/Drills/MonthlyDrill.Tests.ps1) with each component broken in turn: exactly that component's It fails,
    with the drill's own reason, and the checks that depend on a failed restore are skipped, not failed with $null.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    . (Join-Path $PSScriptRoot 'DrillFixture.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $script:definition = New-DrillFixture -Directory (Join-Path $TestDrive 'drill')
    $script:config = Get-Content -Raw $script:definition | ConvertFrom-Json
    $script:checklist = Join-Path $PSScriptRoot '../../module/Drills/MonthlyDrill.Tests.ps1'

    # The checklist in a child pwsh, as an operator runs it; returns its tests with their outcome and message.
    function Invoke-Checklist {
        $script = @"
Import-Module '$($env:BACKUPOPS_PESTER_MODULE)'
`$container = New-PesterContainer -Path '$($script:checklist)' -Data @{ DrillDefinition = '$($script:definition)' }
`$result = Invoke-Pester -Container `$container -PassThru -Output None
`$result.Tests | ForEach-Object { [pscustomobject]@{ Name = `$_.ExpandedName; Result = "`$(`$_.Result)"; Message = (`$_.ErrorRecord | ForEach-Object { `$_.Exception.Message }) -join ' | ' } } | ConvertTo-Json -Depth 3
"@
        $json = & pwsh -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -notin 0, 1) { throw "the checklist run failed to start: $json" }
        @($json | ConvertFrom-Json)
    }

    function Get-LatestDrillReason([string] $Check) {
        $report = Get-ChildItem (Join-Path (Split-Path $script:definition) 'drill-reports') -Filter *.json | Sort-Object LastWriteTimeUtc | Select-Object -Last 1
        ((Get-Content -Raw $report.FullName | ConvertFrom-Json).checks | Where-Object name -eq $Check).failureReason
    }
}

AfterAll {
    Remove-DrillFixture -Definition $script:definition
}

Describe 'Test-DrDrill' {
    It 'runs the whole drill against real servers: every check passes, with its real duration' {
        $report = Test-DrDrill -Path $script:definition
        $report | Should -BeOfType 'BackupOps.DrDrillReport'
        $report.Succeeded | Should -BeTrue -Because ($report.Blockers -join '; ')
        $report.Checks.Component | Sort-Object -Unique | Should -Be @('lifecycle', 'objects', 'postgresql', 'redis', 'targets')
        ($report.Checks | Where-Object Name -like 'database restore:*').Duration | Should -BeGreaterThan ([timespan]::FromMilliseconds(100))
        $report.TimeToRestore | Should -Not -BeNullOrEmpty
        $report.JsonReport | Should -Exist
        "$($report.Checks[0])" | Should -Match '^Passed: '
    }

    It '-DryRun confirms credentials and reachability only' {
        $dry = Test-DrDrill -Path $script:definition -DryRun
        $dry.DryRun | Should -BeTrue
        $dry.Succeeded | Should -BeTrue -Because ($dry.Blockers -join '; ')
        $dry.Checks.Name | Should -Not -Contain "rto: $($script:config.databases[0].name)"
    }

    It 'bad input: a definition that does not exist is DrillConfigMissing (InvalidArgument), pointing at New-DrDrillConfig' {
        $err = Get-CommandError { Test-DrDrill -Path (Join-Path $TestDrive 'no-such-drill.json') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'DrillConfigMissing,BackupOps.Commands.TestDrDrillCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'New-DrDrillConfig'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'New-DrDrillConfig' {
    It 'writes a starting point Test-DrDrill can load; -WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'new-drill.json'
        New-DrDrillConfig -Path $path -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
        $written = New-DrDrillConfig -Path $path
        $written | Should -BeOfType 'BackupOps.DrDrillConfigFile'
        $path | Should -Exist
        Get-Content -Raw $path | Should -Match '"databases"'
    }

    It 'bad input: an existing file is not overwritten' {
        $path = Join-Path $TestDrive 'exists.json'
        Set-Content -LiteralPath $path -Value 'keep me'
        $err = Get-CommandError { New-DrDrillConfig -Path $path -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'DrillConfigExists,BackupOps.Commands.NewDrDrillConfigCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw $path | Should -Match 'keep me'
    }
}

Describe 'Get-BackupStatus' {
    It 'reports the drill database Healthy and an expected source without backups Missing' {
        $store = $script:config.databases[0].store
        $status = Get-BackupStatus -Store $store -Expect "postgresql:$($script:config.databases[0].name)", 'postgresql:never_backed_up'
        $status | ForEach-Object { $_ | Should -BeOfType 'BackupOps.BackupStatus' }
        ($status | Where-Object Source -eq $script:config.databases[0].name).Status | Should -Be 'Healthy'
        ($status | Where-Object Source -eq 'never_backed_up').Status | Should -Be 'Missing'
    }

    It 'bad input: a folder store that does not exist is StoreNotFound (ObjectNotFound), not an empty store that looks fine' {
        $missing = Join-Path $TestDrive 'no-such-store'
        $err = Get-CommandError { Get-BackupStatus -Store $missing -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreNotFound,BackupOps.Commands.GetBackupStatusCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match ([regex]::Escape($missing))
        Assert-PowerShellMessage $err.Exception.Message
        (Get-CommandError { Get-PgBackup -Store $missing -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'StoreNotFound,BackupOps.Commands.GetPgBackupCommand'
        Test-Path $missing | Should -BeFalse
    }

    It "bad input: -Store 's3:bucket' (no //) is StoreSpecInvalid naming s3://, not PowerShell's DriveNotFound" {
        $err = Get-CommandError { Get-BackupStatus -Store 's3:backups/pg' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreSpecInvalid,BackupOps.Commands.GetBackupStatusCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match ([regex]::Escape("'s3:backups/pg'"))
        $err.Exception.Message | Should -Match 's3://bucket/prefix'
        Assert-PowerShellMessage $err.Exception.Message
        (Get-CommandError { Get-PgBackup -Store 's3:backups/pg' -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'StoreSpecInvalid,BackupOps.Commands.GetPgBackupCommand'
    }

    It 'bad input: a store with an invalid bucket name is StoreBucketInvalid (InvalidArgument)' {
        $err = Get-CommandError { Get-BackupStatus -Store 's3://Bad_Bucket/pg' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreBucketInvalid,BackupOps.Commands.GetBackupStatusCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'The drill checklist with one component broken' {
    It 'a damaged backup fails exactly the restore It, with the drill''s reason; RTO and RPO are not failed' {
        $database = $script:config.databases[0]
        $bucket = ($database.store -replace '^s3://', '').Split('/')[0]
        $dump = Get-TestBucketKeys $bucket | Where-Object { $_ -like '*.dump.zst' } | Select-Object -First 1
        # Bit rot: same size (the catalog still lists the backup), different bytes (the restore must refuse it).
        $local = Join-Path $TestDrive 'damaged.dump'
        Invoke-TestObjectFile -Bucket $bucket -Key $dump -Path $local -Download
        Invoke-TestBitFlip $local
        Invoke-TestObjectFile -Bucket $bucket -Key $dump -Path $local
        try {
            $tests = Invoke-Checklist
            $failed = @($tests | Where-Object Result -eq 'Failed')
            $failed.Count | Should -Be 1 -Because (($failed | ForEach-Object { "$($_.Name): $($_.Message)" }) -join ' || ')
            $failed[0].Name | Should -BeLike "restores the latest backup of $($database.name)*"
            $failed[0].Message | Should -Match 'BackupChecksumMismatch'
            $failed[0].Message | Should -Match ([regex]::Escape((Get-LatestDrillReason "database restore: $($database.name)")))
            # Nothing was restored, so nothing was measured: skipped, never passed (#13 Found 9).
            ($tests | Where-Object Name -like "*within the RTO*").Result | Should -Be 'Skipped'
            ($tests | Where-Object Name -like "*no older than the RPO*").Result | Should -Be 'Skipped'
        } finally {
            Invoke-PgBackup -ConnectionString (Get-TestPgUrl $database.name) -Store $database.store -CriticalTable attendees | Out-Null
        }
    }

    It 'an object whose bytes no longer match its SHA-256 fails exactly the object It, with the drill''s reason' {
        $objects = $script:config.objectStores[0]
        Write-TestObject $objects.bucket 'sample/receipt-1.txt' 'tampered' -Sha256 ('a' * 64)
        try {
            $tests = Invoke-Checklist
            $failed = @($tests | Where-Object Result -eq 'Failed')
            $failed.Count | Should -Be 1 -Because (($failed | ForEach-Object { "$($_.Name): $($_.Message)" }) -join ' || ')
            $failed[0].Name | Should -BeLike "sampled objects under $($objects.bucket)/sample/*"
            $failed[0].Message | Should -Match 'sample/receipt-1.txt'
            $failed[0].Message | Should -Match ([regex]::Escape((Get-LatestDrillReason "object integrity: $($objects.bucket)/sample/")))
        } finally {
            Write-TestObject $objects.bucket 'sample/receipt-1.txt' 'receipt 1'
        }
    }

    It 'a lifecycle that drifted fails exactly the lifecycle It, with the drill''s reason' {
        $objects = $script:config.objectStores[0]
        Set-R2Lifecycle -Bucket $objects.bucket -Template $objects.lifecycleTemplate -ExpirationDays 900 -Confirm:$false -Force -ErrorAction SilentlyContinue | Out-Null
        Set-R2Lifecycle -Bucket $objects.bucket -Prefix 'sample/' -ExpirationDays 900 -Confirm:$false -Force | Out-Null
        try {
            $tests = Invoke-Checklist
            $failed = @($tests | Where-Object Result -eq 'Failed')
            $failed.Count | Should -Be 1
            $failed[0].Name | Should -BeLike "lifecycle transitions of $($objects.bucket)*"
            $failed[0].Message | Should -Match ([regex]::Escape((Get-LatestDrillReason "lifecycle: $($objects.bucket)")))
        } finally {
            Set-R2Lifecycle -Bucket $objects.bucket -Template $objects.lifecycleTemplate -Replace -Confirm:$false -Force | Out-Null
        }
    }

    It 'a damaged Redis snapshot fails exactly the Redis It, with the drill''s reason' {
        $redis = $script:config.redis[0]
        $rdb = Get-ChildItem $redis.store -Recurse -Filter *.rdb | Sort-Object LastWriteTimeUtc | Select-Object -Last 1
        Invoke-TestBitFlip $rdb.FullName
        try {
            $tests = Invoke-Checklist
            $failed = @($tests | Where-Object Result -eq 'Failed')
            $failed.Count | Should -Be 1
            $failed[0].Name | Should -BeLike "the latest snapshot of $($redis.source)*"
            $failed[0].Message | Should -Match 'BackupChecksumMismatch'
            $failed[0].Message | Should -Match ([regex]::Escape((Get-LatestDrillReason "redis restore: $($redis.source)")))
        } finally {
            Invoke-RedisSnapshot -Server (Get-TestRedisUrl) -Credential (Get-TestRedisCredential) -Store $redis.store -Source $redis.source | Out-Null
        }
    }
}
