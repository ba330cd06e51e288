#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Inputs #13 (Found 8-9) showed accepted and silently turned into something else, refused by the cmdlets in real pwsh
    against the real PostgreSQL and RGW, with the same error ids as the CLI: a connection without a database, a password
    inside -ConnectionString / -TargetConnection, a role that cannot read the tables, a lifecycle phase without afterDays,
    drill definitions the real drill would reject.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $script:database = New-TestDatabase -Purpose 'refusal'
    $script:serverOnly = "postgresql://$($env:BACKUPOPS_TEST_PG_USER)@$($env:BACKUPOPS_TEST_PG_HOST):$($env:BACKUPOPS_TEST_PG_PORT)"
    $script:withPassword = "postgresql://$($env:BACKUPOPS_TEST_PG_USER):$([uri]::EscapeDataString($env:BACKUPOPS_TEST_PG_PASSWORD))@$($env:BACKUPOPS_TEST_PG_HOST):$($env:BACKUPOPS_TEST_PG_PORT)/$($script:database)"
    $script:savedPgDatabase = $env:PGDATABASE
    Remove-Item Env:PGDATABASE -ErrorAction Ignore
}

AfterAll {
    if ($null -ne $script:savedPgDatabase) { $env:PGDATABASE = $script:savedPgDatabase }
    Remove-Item Env:DATABASE_URL -ErrorAction Ignore
    Remove-TestDatabases
    Invoke-TestSql postgres "DROP ROLE IF EXISTS refusal_reader_$PID" | Out-Null
}

Describe 'A connection without a database' {
    It 'Invoke-PgBackup and its -WhatIf refuse it as PgDatabaseMissing (InvalidArgument), naming the server and PGDATABASE' {
        $store = Join-Path $TestDrive 'no-db'
        foreach ($whatIf in $false, $true) {
            $err = Get-CommandError { Invoke-PgBackup -ConnectionString $script:serverOnly -Store $store -WhatIf:$whatIf -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -Be 'PgDatabaseMissing,BackupOps.Commands.InvokePgBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -BeLike "*$($script:serverOnly)/DBNAME*PGDATABASE*"
            Assert-PowerShellMessage $err.Exception.Message
        }
        $store | Should -Not -Exist
    }

    It 'with PGDATABASE set, backs up that database and warns which one' {
        $env:PGDATABASE = $script:database
        try {
            $store = Join-Path $TestDrive 'pgdatabase'
            $backup = Invoke-PgBackup -ConnectionString $script:serverOnly -Store $store -WarningVariable warnings -WarningAction SilentlyContinue
            $backup.Database | Should -Be $script:database
            ($warnings -join "`n") | Should -BeLike "*backing up '$($script:database)' from PGDATABASE*"
        } finally {
            Remove-Item Env:PGDATABASE
        }
    }
}

Describe 'A password inside -ConnectionString' {
    It 'is refused as PasswordInOption (InvalidArgument) by <Name>, naming -Credential and never the password' -ForEach @(
        @{ Name = 'Invoke-PgBackup (URL)'; Script = { Invoke-PgBackup -ConnectionString $script:withPassword -Store (Join-Path $TestDrive 'never') -ErrorAction Stop } }
        @{ Name = 'Invoke-PgBackup -WhatIf (key=value)'; Script = { Invoke-PgBackup -ConnectionString "Host=$($env:BACKUPOPS_TEST_PG_HOST);Port=$($env:BACKUPOPS_TEST_PG_PORT);Database=$($script:database);Username=postgres;Password=$($env:BACKUPOPS_TEST_PG_PASSWORD)" -Store (Join-Path $TestDrive 'never') -WhatIf -ErrorAction Stop } }
        @{ Name = 'Restore-PgBackup'; Script = { Restore-PgBackup -ConnectionString $script:withPassword -Store (Join-Path $TestDrive 'never') -Latest -Database $script:database -TargetDatabase 'x' -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Test-DrDrill -TargetConnection'; Script = { Test-DrDrill -Path (Join-Path $TestDrive 'never.json') -TargetConnection $script:withPassword -ErrorAction Stop } }
    ) {
        $err = Get-CommandError $Script
        $err.FullyQualifiedErrorId | Should -BeLike 'PasswordInOption,BackupOps.Commands.*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Credential'
        $err.Exception.Message | Should -Match 'PGPASSWORD'
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($env:BACKUPOPS_TEST_PG_PASSWORD))
        Assert-PowerShellMessage $err.Exception.Message
        Join-Path $TestDrive 'never' | Should -Not -Exist
    }

    It 'still works from DATABASE_URL in the environment, and with -Credential' {
        $env:DATABASE_URL = $script:withPassword
        try {
            (Invoke-PgBackup -Store (Join-Path $TestDrive 'env') -WhatIf).Outcome | Should -Not -Contain 'Failed'
        } finally {
            Remove-Item Env:DATABASE_URL
        }
        (Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Credential (Get-TestPgCredential) -Store (Join-Path $TestDrive 'cred') -WhatIf).Outcome | Should -Not -Contain 'Failed'
    }
}

Describe 'Invoke-PgBackup -WhatIf for a role that cannot read the tables' {
    It 'fails the read privileges check naming the tables, and passes once they are granted' {
        $role = "refusal_reader_$PID"
        Invoke-TestSql postgres "CREATE ROLE $role LOGIN PASSWORD 'Reader-Pw-1'" | Out-Null
        $credential = [pscredential]::new($role, (ConvertTo-SecureString 'Reader-Pw-1' -AsPlainText -Force))
        $store = Join-Path $TestDrive 'restricted'

        $checks = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Credential $credential -Store $store -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue
        $privileges = $checks | Where-Object Name -EQ 'read privileges'
        $privileges.Outcome | Should -Be 'Failed'
        $privileges.Detail | Should -Match 'table public\.attendees'
        $privileges.Detail | Should -Match 'GRANT SELECT ON ALL TABLES IN SCHEMA public'
        $errors.FullyQualifiedErrorId | Should -Contain 'PgBackupPreflightFailed,BackupOps.Commands.InvokePgBackupCommand'

        Invoke-TestSql $script:database "GRANT SELECT ON ALL TABLES IN SCHEMA public TO $role; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO $role" | Out-Null
        $granted = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Credential $credential -Store $store -WhatIf
        ($granted | Where-Object Name -EQ 'read privileges').Outcome | Should -Be 'Passed'
        (Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Credential $credential -Store $store).Database | Should -Be $script:database
    }
}

Describe 'Definitions refused before anything runs' {
    It 'Set-R2Lifecycle refuses a phase without afterDays as LifecyclePhaseDaysMissing, naming the phase' {
        Set-TestS3Environment
        $bucket = New-TestBucket 'nodays'
        $template = Join-Path $TestDrive 'nodays.json'
        @{ version = 1; buckets = @(@{ bucket = $bucket; rules = @(@{ name = 'receipts'; prefix = 'receipts/'; phases = @(@{ storageClass = 'InfrequentAccess' }) }) }) } |
            ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $template
        $err = Get-CommandError { Set-R2Lifecycle -Bucket $bucket -Template $template -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'LifecyclePhaseDaysMissing,BackupOps.Commands.SetR2LifecycleCommand'
        $err.Exception.Message | Should -Match "rule 'receipts', phase InfrequentAccess has no afterDays"
        Get-R2Lifecycle -Bucket $bucket | Should -BeNullOrEmpty
    }

    It 'Test-DrDrill -DryRun and Test-DrDrill refuse <Name> with the same error id and message' -ForEach @(
        @{ Name = 'queue bounds 10..0'; From = 'queue:emails=0..10000'; To = 'queue:emails=10..0'; Id = 'QueueBoundInvalid' }
        @{ Name = 'smoke expectation => >>> zero'; From = 'SELECT count(*) FROM attendees => > 0'; To = '=> >>> zero'; Id = 'SmokeQueryInvalid' }
        @{ Name = 'sampleSize -5'; From = '"sampleSize": 20'; To = '"sampleSize": -5'; Id = 'SampleCountInvalid' }
        @{ Name = 'an identityFile that does not exist'; From = '"name": "monotickets",'; To = '"name": "monotickets", "identityFile": "/nonexistent/identity.txt",'; Id = 'IdentityFileMissing' }
    ) {
        $path = Join-Path $TestDrive "drill-$($Id).json"
        New-DrDrillConfig -Path $path -Confirm:$false | Out-Null
        $text = Get-Content -Raw -LiteralPath $path
        $text | Should -BeLike "*$From*"
        $text.Replace($From, $To) | Set-Content -LiteralPath $path
        $dry = Get-CommandError { Test-DrDrill -Path $path -DryRun -ErrorAction Stop }
        $real = Get-CommandError { Test-DrDrill -Path $path -ErrorAction Stop }
        $dry.FullyQualifiedErrorId | Should -Be "$Id,BackupOps.Commands.TestDrDrillCommand"
        $dry.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $real.FullyQualifiedErrorId | Should -Be $dry.FullyQualifiedErrorId
        $real.Exception.Message | Should -Be $dry.Exception.Message
    }
}

Describe 'What a cold trial met (Part B of #13)' {
    It 'Invoke-PgBackup -WhatIf into a store folder that does not exist passes and leaves it uncreated' {
        $store = Join-Path $TestDrive 'not/yet'
        $checks = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $store -WhatIf
        $checks.Outcome | Should -Not -Contain 'Failed'
        ($checks | Where-Object Name -EQ 'store writable').Detail | Should -Match 'does not exist yet'
        Join-Path $TestDrive 'not' | Should -Not -Exist
    }

    It 'Restore-PgBackup from a store folder that does not exist is StoreNotFound (ObjectNotFound) and creates nothing' {
        $store = Join-Path $TestDrive 'nonexistent'
        $err = Get-CommandError { Restore-PgBackup -ConnectionString (Get-TestPgUrl) -Store $store -Latest -Database $script:database -TargetDatabase (New-TestDatabaseName 'never') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreNotFound,BackupOps.Commands.RestorePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $store | Should -Not -Exist
    }

    It 'Restore-PgBackup -Latest warns (WriteWarning) which damaged backup it skipped, and restores the older one' {
        $store = Join-Path $TestDrive 'damaged-latest'
        $older = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $store
        $newest = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $store
        Invoke-TestBitFlip (Join-Path $store $newest.DataKey)
        # Restoring it by id proves it damaged and records so (the target is never created).
        $null = Get-CommandError { Restore-PgBackup -ConnectionString (Get-TestPgUrl) -Store $store -BackupId $newest.BackupId -TargetDatabase (New-TestDatabaseName 'damaged') -ErrorAction Stop }
        $target = New-TestDatabaseName 'latest'
        Register-TestDatabase $target
        $result = Restore-PgBackup -ConnectionString (Get-TestPgUrl) -Store $store -Latest -Database $script:database -TargetDatabase $target -WarningVariable warnings -WarningAction SilentlyContinue
        $result.BackupId | Should -Be $older.BackupId
        ($warnings -join "`n") | Should -Match "damaged and skipped: $($newest.BackupId)"
        ($warnings -join "`n") | Should -Match "Restoring the older backup $($older.BackupId)"
    }
}
