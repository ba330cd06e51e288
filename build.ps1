#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents and packages the BackupOps module.
.DESCRIPTION
    Build   : dotnet build, which lays the importable module out under module/ and compiles the help
              (docs/en-US, platyPS markdown) into en-US/BackupOps.dll-Help.xml beside the manifest.
    Test    : ./test.sh: the xunit suites and the Pester suites in real pwsh, against real PostgreSQL, Ceph RGW
              and Redis that the tests start.
    Docs    : regenerates the machine-derived parts of docs/en-US (SYNTAX, parameter metadata, output properties)
              from the built cmdlets and recompiles the MAML: with Microsoft.PowerShell.PlatyPS when it is
              installed, else with the project's own build/BackupOps.HelpTool.
    Package : a versioned folder artifacts/BackupOps/<version> that imports by name from PSModulePath, with its
              help, checked with Test-ModuleManifest.
    ./test.sh runs `pwsh -File ./build.ps1 -Task Build, Package` itself, so CI exercises this script.
.PARAMETER Task
    One or more of Build, Test, Docs, Package, run in the order given. Under pwsh -File a comma-separated list
    arrives as one string ('Build,Test,Package'); it is split here.
.PARAMETER Configuration
    Release (default) or Debug.
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    pwsh -NoProfile -File ./build.ps1 -Task Build,Test,Package
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$knownTasks = 'Build', 'Test', 'Docs', 'Package'

# pwsh -File passes "-Task Build,Test,Package" as the single string 'Build,Test,Package'.
$steps = @($Task | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
foreach ($step in $steps) {
    if ($step -notin $knownTasks) {
        throw "Unknown task '$step'. Use one or more of: $($knownTasks -join ', ') (for example -Task Build,Test,Package)."
    }
}

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Update-HelpWithPlatyPS {
    # Microsoft.PowerShell.PlatyPS (1.x): refresh the markdown from the imported module, then export MAML.
    Import-Module Microsoft.PowerShell.PlatyPS
    Import-Module (Join-Path $root 'BackupOps.psd1') -Force
    $pages = Get-ChildItem (Join-Path $root 'docs/en-US') -Filter *.md
    Update-MarkdownCommandHelp -Path $pages.FullName | Out-Null
    $staging = Join-Path ([System.IO.Path]::GetTempPath()) "backupops-maml-$PID"
    Import-MarkdownCommandHelp -Path $pages.FullName | Export-MamlCommandHelp -OutputFolder $staging -Force | Out-Null
    $maml = Get-ChildItem $staging -Recurse -Filter '*-help.xml' | Select-Object -First 1
    if (-not $maml) { throw "PlatyPS wrote no MAML under $staging" }
    New-Item -ItemType Directory -Force (Join-Path $root 'en-US') | Out-Null
    Copy-Item $maml.FullName (Join-Path $root 'en-US/BackupOps.dll-Help.xml') -Force
    Remove-Item $staging -Recurse -Force
}

function Update-HelpWithHelpTool {
    $tool = Join-Path $root "build/BackupOps.HelpTool/bin/$Configuration/net8.0/BackupOps.HelpTool.dll"
    if (-not (Test-Path $tool)) { Invoke-Native dotnet @('build', (Join-Path $root 'build/BackupOps.HelpTool'), '-c', $Configuration, '-nologo', '-v', 'q') }
    $automation = [System.Management.Automation.PSObject].Assembly.Location
    Invoke-Native dotnet @($tool, 'update', (Join-Path $root 'docs/en-US'), (Join-Path $root 'module/BackupOps.dll'), '--reference', $automation)
    Invoke-Native dotnet @($tool, 'compile', (Join-Path $root 'docs/en-US'), (Join-Path $root 'en-US/BackupOps.dll-Help.xml'))
}

foreach ($step in $steps) {
    if (-not $PSCmdlet.ShouldProcess($root, $step)) { continue }
    switch ($step) {
        'Build' {
            Invoke-Native dotnet @('build', (Join-Path $root 'BackupOps.sln'), '-c', $Configuration, '-nologo', '-v', 'q')
        }
        'Test' {
            Invoke-Native bash @((Join-Path $root 'test.sh'))
        }
        'Docs' {
            if (-not (Test-Path (Join-Path $root 'module/BackupOps.dll'))) { throw 'Docs reads the built cmdlets: run -Task Build first.' }
            if (Get-Module -ListAvailable Microsoft.PowerShell.PlatyPS) { Update-HelpWithPlatyPS } else { Update-HelpWithHelpTool }
        }
        'Package' {
            foreach ($built in 'module/BackupOps.dll', 'en-US/BackupOps.dll-Help.xml') {
                if (-not (Test-Path (Join-Path $root $built))) { throw "Package needs ${built}: run -Task Build first." }
            }
            $manifest = Import-PowerShellDataFile (Join-Path $root 'BackupOps.psd1')
            $target = Join-Path $root "artifacts/BackupOps/$($manifest.ModuleVersion)"
            Remove-Item $target -Recurse -Force -ErrorAction Ignore
            New-Item -ItemType Directory -Path $target | Out-Null
            Copy-Item (Join-Path $root 'BackupOps.psd1') $target
            Copy-Item (Join-Path $root 'en-US') (Join-Path $target 'en-US') -Recurse
            New-Item -ItemType Directory -Path (Join-Path $target 'module') | Out-Null
            # The importable module only: the assembly, its views, the engine's folder and the drill checklist.
            foreach ($item in 'BackupOps.dll', 'BackupOps.format.ps1xml', 'Dependencies', 'Drills') {
                Copy-Item (Join-Path $root "module/$item") (Join-Path $target 'module') -Recurse
            }
            Test-ModuleManifest (Join-Path $target 'BackupOps.psd1') | Out-Null
            Write-Host "Packaged $target (import by name with $(Join-Path $root 'artifacts') on PSModulePath)"
        }
    }
}
