#Requires -Version 7.4
<#
.SYNOPSIS
    Runs BackupOps' Pester suites against the built module and the real servers the test host started.
.DESCRIPTION
    Called by tests/BackupOps.PowerShell.Tests (PesterSuiteTests), which starts PostgreSQL, Ceph RGW and Redis and
    passes them in BACKUPOPS_TEST_* variables; ./test.sh runs that. Two result files, NUnit XML:
      module.xml  tests/Pester/*.Tests.ps1 (every cmdlet, pipelines, help, isolation, packaging)
      drill.xml   module/Drills/MonthlyDrill.Tests.ps1 against a definition covering PostgreSQL, RGW objects,
                  lifecycle and Redis, prepared by tests/Pester/DrillFixture.ps1
    Exit code 1 when any test, block or container failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ResultDirectory,

    [string[]] $Path = @(Join-Path $PSScriptRoot '*.Tests.ps1'),

    [switch] $SkipDrill
)

$ErrorActionPreference = 'Stop'
$pester = if ($env:BACKUPOPS_PESTER_MODULE) { $env:BACKUPOPS_PESTER_MODULE } else { 'Pester' }
Import-Module $pester -MinimumVersion 5.7 -Force
New-Item -ItemType Directory -Force -Path $ResultDirectory | Out-Null

function Invoke-Suite([string] $Name, $Container) {
    $config = New-PesterConfiguration
    $config.Run.Container = $Container
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $config.Output.RenderMode = 'Plaintext'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = Join-Path $ResultDirectory "$Name.xml"
    $result = Invoke-Pester -Configuration $config
    Write-Host "Pester $Name`: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped, $($result.FailedBlocksCount) failed blocks, $($result.FailedContainersCount) failed containers"
    $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
}

# pwsh -File passes a comma-separated list as one string.
$Path = @($Path | ForEach-Object { $_ -split ',' })
$failures = Invoke-Suite 'module' (New-PesterContainer -Path (Resolve-Path $Path).Path)
if (-not $SkipDrill) {
    . (Join-Path $PSScriptRoot 'DrillFixture.ps1')
    $definition = New-DrillFixture -Directory (Join-Path ([System.IO.Path]::GetTempPath()) "backupops-drill-$PID")
    try {
        $drill = New-PesterContainer -Path (Join-Path $PSScriptRoot '../../module/Drills/MonthlyDrill.Tests.ps1') -Data @{ DrillDefinition = $definition }
        $failures += Invoke-Suite 'drill' $drill
    } finally {
        Remove-DrillFixture -Definition $definition
    }
}

exit ([int]($failures -gt 0))
