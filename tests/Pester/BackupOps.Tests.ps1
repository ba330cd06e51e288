#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Pester checks of the PowerShell surface, for people with pwsh (the build machines have none; the same
    rules are enforced statically by tests/BackupOps.Surface.Tests). The end-to-end block needs a
    PostgreSQL server: set BACKUPOPS_PESTER_DATABASE_URL (for example postgresql://postgres@127.0.0.1:5432/postgres
    with PGPASSWORD set) or it is reported as skipped with the reason.
    Run: ./build.ps1 -Task Build; Invoke-Pester ./tests/Pester
#>
BeforeAll {
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    Import-Module (Join-Path $root 'BackupOps.psd1') -Force
}

AfterAll {
    Remove-Module BackupOps -ErrorAction Ignore
}

Describe 'BackupOps module surface' {
    It 'exports exactly the cmdlets in its manifest' {
        $exported = (Get-Command -Module BackupOps).Name | Sort-Object
        $exported | Should -Be @('Get-BackupStatus', 'Get-PgBackup', 'Get-R2Lifecycle', 'Get-RedisSnapshot', 'Invoke-PgBackup', 'Invoke-RedisSnapshot', 'New-DrDrillConfig', 'Remove-PgBackup', 'Remove-RedisSnapshot', 'Restore-PgBackup', 'Restore-RedisSnapshot', 'Set-R2Lifecycle', 'Test-DrDrill', 'Test-R2Lifecycle', 'Test-R2Object')
    }

    It '<Name> uses an approved verb and has help' -ForEach @(
        @{ Name = 'Invoke-PgBackup' }, @{ Name = 'Get-PgBackup' }, @{ Name = 'Restore-PgBackup' }, @{ Name = 'Remove-PgBackup' }
        @{ Name = 'Set-R2Lifecycle' }, @{ Name = 'Get-R2Lifecycle' }, @{ Name = 'Test-R2Lifecycle' }, @{ Name = 'Test-R2Object' }
        @{ Name = 'Invoke-RedisSnapshot' }, @{ Name = 'Get-RedisSnapshot' }, @{ Name = 'Restore-RedisSnapshot' }, @{ Name = 'Remove-RedisSnapshot' }
        @{ Name = 'Get-BackupStatus' }, @{ Name = 'Test-DrDrill' }, @{ Name = 'New-DrDrillConfig' }
    ) {
        $command = Get-Command $Name
        (Get-Verb).Verb | Should -Contain $command.Verb
        $command.OutputType | Should -Not -BeNullOrEmpty
    }

    It 'state-changing cmdlets support -WhatIf and -Confirm' {
        foreach ($name in 'Invoke-PgBackup', 'Restore-PgBackup', 'Remove-PgBackup', 'Set-R2Lifecycle', 'Invoke-RedisSnapshot', 'Restore-RedisSnapshot', 'Remove-RedisSnapshot') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'WhatIf'
        }
    }

    It 'Get-PgBackup output binds to Restore-PgBackup by property name' {
        $restore = Get-Command Restore-PgBackup
        $restore.Parameters['BackupId'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
        $restore.Parameters['Store'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It 'loads the engine into its own AssemblyLoadContext, not the default one' {
        Get-PgBackup -Store (Join-Path $TestDrive 'empty') | Should -BeNullOrEmpty
        $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BackupOps.Engine' }
        $engine | Should -Not -BeNullOrEmpty
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'BackupOps.Dependencies'
    }
}

Describe 'Backup, list, restore and prune through the cmdlets' {
    BeforeAll {
        $script:url = $env:BACKUPOPS_PESTER_DATABASE_URL
    }

    It 'round-trips a database through a folder store' {
        if (-not $script:url) { Set-ItResult -Skipped -Because 'BACKUPOPS_PESTER_DATABASE_URL is not set'; return }
        $store = Join-Path $TestDrive 'backups'
        $backup = Invoke-PgBackup -ConnectionString $script:url -Store $store
        $backup.Sha256 | Should -Match '^[0-9a-f]{64}$'
        $target = "pester_restore_$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $result = Get-PgBackup -Store $store -Latest | Restore-PgBackup -ConnectionString $script:url -TargetDatabase $target -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Remove-PgBackup -Store $store -RetentionDays 1 -WhatIf | Should -BeNullOrEmpty
        (Get-PgBackup -Store $store).Count | Should -Be 1
    }
}
