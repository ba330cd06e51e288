#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Scripts without a console, as cron, systemd timers and scheduled tasks run them (pwsh -File, stdin from
    /dev/null, no terminal): the unattended forms work, and where a confirmation would be needed the script gets a
    clear error that names the unattended form, never the host's crash.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    Set-TestS3Environment
    $script:manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../BackupOps.psd1')).Path
    $script:database = New-TestDatabase -Purpose 'unattended'
    $script:store = Join-Path $TestDrive 'unattended-store'
    $script:backup = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $script:store

    # Runs a script file with pwsh -File in its own session with no terminal and stdin from /dev/null.
    function Invoke-Unattended([string] $Body) {
        $file = Join-Path $TestDrive "unattended-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value "Import-Module '$($script:manifest)'`n$Body"
        $out = Join-Path $TestDrive 'out.txt'
        $err = Join-Path $TestDrive 'err.txt'
        & bash -c "setsid pwsh -NoProfile -File '$file' </dev/null >'$out' 2>'$err'"
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Stdout = (Get-Content -Raw $out) + ''; Stderr = (Get-Content -Raw $err) + '' }
    }
}

AfterAll {
    Remove-TestDatabases
}

Describe 'pwsh -File without a console' {
    It 'a scheduled backup runs without any confirmation' {
        $run = Invoke-Unattended "Invoke-PgBackup -ConnectionString '$(Get-TestPgUrl $script:database)' -Store '$($script:store)' | Select-Object -ExpandProperty BackupId"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout.Trim() | Should -Match '^\d{8}T\d{9}Z-[0-9a-f]{6}$'
    }

    It 'the README restore into a new database needs no -Confirm' {
        $target = New-TestDatabaseName 'unattended_new'
        Register-TestDatabase $target
        $run = Invoke-Unattended "Get-PgBackup -Store '$($script:store)' -Database '$($script:database)' -Latest | Restore-PgBackup -ConnectionString '$(Get-TestPgUrl)' -TargetDatabase '$target' | Select-Object -ExpandProperty Succeeded"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout.Trim() | Should -Be 'True'
        Test-TestDatabase $target | Should -BeTrue
    }

    It 'replacing a database with -Force but no -Confirm:$false is a clear ConfirmationUnavailable error, and the target is untouched' {
        $target = New-TestDatabase -Purpose 'unattended_keep' -Events 1 -Attendees 3
        $run = Invoke-Unattended "Restore-PgBackup -ConnectionString '$(Get-TestPgUrl)' -Store '$($script:store)' -BackupId '$($script:backup.BackupId)' -TargetDatabase '$target' -Force; exit 3"
        $run.Stderr | Should -Match 'ConfirmationUnavailable|cannot prompt'
        $run.Stderr | Should -Match '-Force -Confirm:\$false'
        $run.Stderr | Should -Not -Match 'Object reference not set|NullReferenceException'
        $run.ExitCode | Should -Be 3 -Because 'the error ends the statement, not the process'
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be 3
    }

    It 'the same replace with -Force -Confirm:$false succeeds' {
        $target = New-TestDatabase -Purpose 'unattended_replace' -Events 1 -Attendees 3
        $run = Invoke-Unattended "(Restore-PgBackup -ConnectionString '$(Get-TestPgUrl)' -Store '$($script:store)' -BackupId '$($script:backup.BackupId)' -TargetDatabase '$target' -Force -Confirm:`$false).Succeeded"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout.Trim() | Should -Be 'True'
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be 400
    }

    It '$ConfirmPreference = ''None'' at the top of a script is enough for a removal' {
        $store = Join-Path $TestDrive 'unattended-remove'
        $old = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $store
        Invoke-PgBackup -ConnectionString (Get-TestPgUrl $script:database) -Store $store | Out-Null
        $refused = Invoke-Unattended "Remove-PgBackup -Store '$store' -BackupId '$($old.BackupId)'"
        $refused.Stderr | Should -Match 'cannot prompt'
        $refused.Stderr | Should -Match '-Confirm:\$false'
        @(Get-PgBackup -Store $store).Count | Should -Be 2
        $run = Invoke-Unattended "`$ConfirmPreference = 'None'`nRemove-PgBackup -Store '$store' -BackupId '$($old.BackupId)' | Select-Object -ExpandProperty Removed"
        $run.Stdout.Trim() | Should -Be 'True' -Because $run.Stderr
        @(Get-PgBackup -Store $store).Count | Should -Be 1
    }

    It 'Set-R2Lifecycle: -Confirm:$false alone stops at the second question with an error naming -Force; with -Force it applies' {
        $bucket = New-TestBucket 'unattended-lc'
        $asked = Invoke-Unattended "Set-R2Lifecycle -Bucket '$bucket' -Prefix receipts/ -Confirm:`$false"
        $asked.Stderr | Should -Match 'ConfirmationUnavailable|cannot prompt'
        $asked.Stderr | Should -Match '-Force'
        $asked.Stderr | Should -Not -Match 'Object reference not set'
        Get-R2Lifecycle -Bucket $bucket | Should -BeNullOrEmpty
        $run = Invoke-Unattended "(Set-R2Lifecycle -Bucket '$bucket' -Prefix receipts/ -Confirm:`$false -Force).Applied"
        $run.Stdout.Trim() | Should -Be 'True' -Because $run.Stderr
    }
}
