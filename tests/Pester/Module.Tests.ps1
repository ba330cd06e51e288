#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    The module as PowerShell loads it: the import in a fresh pwsh, the exported surface, the engine in its own
    AssemblyLoadContext, and isolation from conflicting assemblies that another module loaded first.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    $script:manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../BackupOps.psd1')).Path
    Import-Module $script:manifest -Force
    $script:cmdlets = @('Get-BackupStatus', 'Get-PgBackup', 'Get-PgBaseBackup', 'Get-R2Lifecycle', 'Get-RedisSnapshot', 'Invoke-PgBackup', 'Invoke-PgBaseBackup', 'Invoke-RedisSnapshot', 'New-BackupSigningKey', 'New-DrDrillConfig', 'Remove-PgBackup', 'Remove-PgBaseBackup', 'Remove-RedisSnapshot', 'Restore-PgBackup', 'Restore-PgBaseBackup', 'Restore-RedisSnapshot', 'Set-R2Lifecycle', 'Test-DrDrill', 'Test-PgWalArchive', 'Test-R2Lifecycle', 'Test-R2Object')
}

Describe 'Import-Module' {
    It 'imports in a fresh pwsh -NoProfile, exporting every cmdlet' {
        $output = & pwsh -NoProfile -NonInteractive -Command "Import-Module '$($script:manifest)'; (Get-Command -Module BackupOps).Count" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        [int]($output | Select-Object -Last 1) | Should -Be $script:cmdlets.Count
    }

    It 'exports exactly the cmdlets of its manifest, each with an approved verb and a declared output type' {
        (Get-Command -Module BackupOps).Name | Sort-Object | Should -Be $script:cmdlets
        foreach ($command in Get-Command -Module BackupOps) {
            (Get-Verb).Verb | Should -Contain $command.Verb
            $command.OutputType | Should -Not -BeNullOrEmpty -Because "$($command.Name) must declare its output"
        }
    }

    It 'state-changing cmdlets support -WhatIf and -Confirm; readers do not' {
        foreach ($command in Get-Command -Module BackupOps) {
            $changes = $command.Verb -in 'Invoke', 'Restore', 'Remove', 'Set', 'New'
            $command.Parameters.ContainsKey('WhatIf') | Should -Be $changes -Because $command.Name
            $command.Parameters.ContainsKey('Confirm') | Should -Be $changes -Because $command.Name
        }
    }

    It 'passes Test-ModuleManifest and declares PowerShell 7.4 (Core) as its floor' {
        $info = Test-ModuleManifest $script:manifest
        $info.PowerShellVersion | Should -Be ([version]'7.4')
        $info.CompatiblePSEditions | Should -Be @('Core')
        $PSVersionTable.PSVersion | Should -BeGreaterOrEqual ([version]'7.4')
    }

    It 'loads the engine into its own AssemblyLoadContext, not the default one' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'empty')
        Get-PgBackup -Store $empty.FullName | Should -BeNullOrEmpty
        $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BackupOps.Engine' }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'BackupOps.Dependencies'
        $cmdlets = [BackupOps.Commands.GetPgBackupCommand].Assembly
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets).Name | Should -Be 'Default'
    }
}

Describe 'Isolation from assemblies another module loaded first' {
    It 'with Npgsql <Npgsql> and AWSSDK.Core <AwsCore> in the default context, backs up to S3 and restores; each assembly in its own context' -ForEach @(
        @{ Npgsql = $env:BACKUPOPS_TEST_ISOLATION_NPGSQL; AwsCore = $env:BACKUPOPS_TEST_ISOLATION_AWSCORE }
    ) {
        $npgsqlPath = Join-Path $env:BACKUPOPS_TEST_PACKAGES "npgsql/$Npgsql/lib/net8.0/Npgsql.dll"
        $awsPath = Join-Path $env:BACKUPOPS_TEST_PACKAGES "awssdk.core/$AwsCore/lib/net8.0/AWSSDK.Core.dll"
        $npgsqlPath | Should -Exist
        $awsPath | Should -Exist
        $database = New-TestDatabase -Purpose 'isolation'
        $bucket = New-TestBucket 'isolation'
        $target = New-TestDatabaseName 'isolation_restore'
        Register-TestDatabase $target
        Set-TestS3Environment
        $script = @"
`$ErrorActionPreference = 'Stop'
# What another module (AWS.Tools, an old Npgsql-based module) does before BackupOps is imported.
[void][System.Reflection.Assembly]::LoadFrom('$npgsqlPath')
[void][System.Reflection.Assembly]::LoadFrom('$awsPath')
[void][Npgsql.NpgsqlConnectionStringBuilder]::new('Host=preloaded')
[void][Amazon.Runtime.BasicAWSCredentials]::new('a', 'b')
Import-Module '$($script:manifest)'
`$backup = Invoke-PgBackup -ConnectionString '$(Get-TestPgUrl $database)' -Store 's3://$bucket/pg'
`$restore = Get-PgBackup -Store 's3://$bucket/pg' -Latest | Restore-PgBackup -ConnectionString '$(Get-TestPgUrl)' -TargetDatabase '$target'
`$assemblies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'Npgsql', 'AWSSDK.Core', 'AWSSDK.S3', 'BackupOps', 'BackupOps.Engine' } |
    ForEach-Object { [pscustomobject]@{ Name = `$_.GetName().Name; Version = `$_.GetName().Version.ToString(); Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } }
[pscustomobject]@{ BackupId = `$backup.BackupId; Restored = `$restore.Succeeded; Assemblies = @(`$assemblies) } | ConvertTo-Json -Depth 4 -Compress
"@
        $output = & pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $result.Restored | Should -BeTrue
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be (Invoke-TestSql $database 'SELECT count(*) FROM attendees')

        $loaded = $result.Assemblies
        $preloadedNpgsql = $loaded | Where-Object { $_.Name -eq 'Npgsql' -and $_.Context -eq 'Default' }
        $preloadedNpgsql.Version | Should -BeLike "$($Npgsql.Split('.')[0]).*"
        $ours = $loaded | Where-Object { $_.Name -eq 'Npgsql' -and $_.Context -eq 'BackupOps.Dependencies' }
        $ours | Should -Not -BeNullOrEmpty -Because 'the engine must use its own Npgsql, not the preloaded one'
        $ours.Version | Should -Not -Be $preloadedNpgsql.Version
        ($loaded | Where-Object { $_.Name -eq 'AWSSDK.Core' -and $_.Context -eq 'Default' }).Version | Should -BeLike '3.*'
        ($loaded | Where-Object { $_.Name -eq 'AWSSDK.Core' -and $_.Context -eq 'BackupOps.Dependencies' }).Version | Should -Not -BeLike '3.*'
        ($loaded | Where-Object Name -eq 'AWSSDK.S3').Context | Should -Be 'BackupOps.Dependencies'
        ($loaded | Where-Object Name -eq 'BackupOps.Engine').Context | Should -Be 'BackupOps.Dependencies'
        ($loaded | Where-Object Name -eq 'BackupOps').Context | Should -Be 'Default'
    }
}

AfterAll {
    Remove-TestDatabases
}
