#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    build.ps1 under pwsh -File and -Command, and the package it lays out: ./test.sh itself builds and packages with
    `pwsh -File ./build.ps1 -Task Build,Package`; here the package imports by name from PSModulePath in a fresh
    pwsh, has its help and passes Test-ModuleManifest, and -Command accepts the same tasks.
#>
BeforeAll {
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:build = Join-Path $script:root 'build.ps1'
    $script:version = (Import-PowerShellDataFile (Join-Path $script:root 'BackupOps.psd1')).ModuleVersion
}

Describe 'build.ps1' {
    It 'pwsh -File accepts -Task Build,Test,Package as one list' {
        $output = & pwsh -NoProfile -NonInteractive -File $script:build -Task Build,Test,Package -WhatIf 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output -join "`n") | Should -Match 'Performing the operation "Build"'
        ($output -join "`n") | Should -Match 'Performing the operation "Test"'
        ($output -join "`n") | Should -Match 'Performing the operation "Package"'
    }

    It 'pwsh -Command accepts -Task Build, Test, Package' {
        $output = & pwsh -NoProfile -NonInteractive -Command "& '$($script:build)' -Task Build, Test, Package -WhatIf" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        @($output | Where-Object { "$_" -match 'Performing the operation' }).Count | Should -Be 3
    }

    It 'an unknown task is refused with the list of tasks' {
        $output = & pwsh -NoProfile -NonInteractive -File $script:build -Task Build,Deploy 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output -join ' ') | Should -Match "Unknown task 'Deploy'"
        ($output -join ' ') | Should -Match 'Build, Test, Docs, Package'
    }

    It 'packages under -Command, and the package passes Test-ModuleManifest' {
        $output = & pwsh -NoProfile -NonInteractive -Command "& '$($script:build)' -Task Package" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $package = Join-Path $script:root "artifacts/BackupOps/$($script:version)"
        Test-ModuleManifest (Join-Path $package 'BackupOps.psd1') | Should -Not -BeNullOrEmpty
        Join-Path $package 'en-US/BackupOps.dll-Help.xml' | Should -Exist
        Join-Path $package 'module/Dependencies/BackupOps.Engine.dll' | Should -Exist
        Join-Path $package 'module/Drills/MonthlyDrill.Tests.ps1' | Should -Exist
        @(Get-ChildItem (Join-Path $package 'module') -Filter *.pdb) | Should -BeNullOrEmpty
    }

    It 'the package imports by name from PSModulePath in a fresh pwsh, with its help' {
        $script = @"
`$env:PSModulePath = '$(Join-Path $script:root 'artifacts')' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module BackupOps -ErrorAction Stop
`$module = Get-Module BackupOps
`$help = Get-Help Invoke-PgBackup -Full
[pscustomobject]@{ Base = `$module.ModuleBase; Version = "`$(`$module.Version)"; Cmdlets = @(Get-Command -Module BackupOps).Count; Synopsis = `$help.Synopsis; Examples = @(`$help.examples.example).Count } | ConvertTo-Json -Compress
"@
        $output = & pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $result.Base | Should -BeLike "$(Join-Path $script:root 'artifacts/BackupOps')*"
        $result.Version | Should -Be $script:version
        $result.Cmdlets | Should -Be 21
        $result.Synopsis | Should -Match 'Backs up a PostgreSQL database'
        $result.Examples | Should -BeGreaterThan 0
    }
}
