#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents and packages the BackupOps module (for people with PowerShell).
.DESCRIPTION
    Build   : dotnet build, which lays the importable module out under module/.
    Test    : the xunit suites (real PostgreSQL and Ceph RGW; see ./test.sh) and, when Pester 5 is
              installed, tests/Pester/*.Tests.ps1 against the built module.
    Docs    : platyPS markdown in docs/en-US -> MAML help in module/en-US (needs platyPS).
    Package : a versioned, importable folder in artifacts/BackupOps/<version>.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

foreach ($step in $Task) {
    switch ($step) {
        'Build' {
            Invoke-Native dotnet @('build', (Join-Path $root 'BackupOps.sln'), '-c', $Configuration, '-nologo')
        }
        'Test' {
            Invoke-Native bash @((Join-Path $root 'test.sh'))
            if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
                $config = New-PesterConfiguration
                $config.Run.Path = Join-Path $root 'tests/Pester'
                $config.Run.Exit = $true
                $config.TestResult.Enabled = $true
                $config.TestResult.OutputPath = Join-Path $root 'artifacts/pester.xml'
                Invoke-Pester -Configuration $config
            } else {
                Write-Warning 'Pester 5 is not installed; skipped tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
            }
        }
        'Docs' {
            if (-not (Get-Module -ListAvailable platyPS)) { throw 'platyPS is needed for Docs: Install-Module platyPS' }
            Import-Module platyPS
            New-ExternalHelp -Path (Join-Path $root 'docs/en-US') -OutputPath (Join-Path $root 'module/en-US') -Force | Out-Null
        }
        'Package' {
            $manifest = Import-PowerShellDataFile (Join-Path $root 'BackupOps.psd1')
            $target = Join-Path $root "artifacts/BackupOps/$($manifest.ModuleVersion)"
            Remove-Item $target -Recurse -Force -ErrorAction Ignore
            New-Item -ItemType Directory -Path $target | Out-Null
            Copy-Item (Join-Path $root 'BackupOps.psd1') $target
            Copy-Item (Join-Path $root 'module') (Join-Path $target 'module') -Recurse
            Test-ModuleManifest (Join-Path $target 'BackupOps.psd1') | Out-Null
            Write-Host "Packaged $target"
        }
    }
}
