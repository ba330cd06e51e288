#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The monthly disaster-recovery drill checklist of the seed documents, as Pester tests over the BackupOps
    cmdlets. It runs the same checks as the compiled drill (Test-DrDrill / backupops drill): one It per
    checklist item, tagged by component, so an operator can run a part (-TagFilter redis), add their own Its,
    and get NUnit XML for a dashboard.

        $container = New-PesterContainer -Path ./module/Drills/MonthlyDrill.Tests.ps1 -Data @{ DrillDefinition = './drill.json' }
        Invoke-Pester -Container $container -Output Detailed -CI        # writes testResults.xml (NUnit)

    A failed check fails its own It with the drill's reason. Checks that depend on another (the RTO of a restore
    that failed) are skipped with that reason rather than failed a second time.
    CI runs this file against real PostgreSQL, Ceph RGW and Redis (tests/Pester/Invoke-PesterSuites.ps1), and
    tests/Pester/Drill.Tests.ps1 breaks each component in turn.
#>
param(
    [Parameter(Mandatory)]
    [string] $DrillDefinition
)

BeforeDiscovery {
    $definition = Get-Content -Raw -LiteralPath $DrillDefinition | ConvertFrom-Json
    $databases = @($definition.databases | ForEach-Object { @{ Name = $_.name } })
    $buckets = @($definition.objectStores | ForEach-Object { $bucket = $_; $_.prefixes | ForEach-Object { @{ Bucket = $bucket.bucket; Prefix = $_ } } })
    $lifecycles = @($definition.objectStores | Where-Object { $_.PSObject.Properties['lifecycleTemplate'] -and $_.lifecycleTemplate } | ForEach-Object { @{ Bucket = $_.bucket } })
    $redis = @($definition.redis | ForEach-Object { @{ Source = $_.source } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    # 1. Confirm credentials (the seed's backup_db.sh --dry-run), then the drill itself, once.
    $script:dryRun = Test-DrDrill -Path $DrillDefinition -DryRun -ErrorAction SilentlyContinue
    $script:report = Test-DrDrill -Path $DrillDefinition -ErrorAction SilentlyContinue
    if (-not $script:report) { throw "Test-DrDrill produced no report for $DrillDefinition; see the errors above." }

    function Get-DrillCheck([string] $Name) { $script:report.Checks | Where-Object Name -eq $Name }

    # The check's own reason when it failed; for a check the drill could not run, the reason of the check it depends on.
    function Assert-DrillCheck([string] $Name, [string] $DependsOn) {
        $check = Get-DrillCheck $Name
        # A target measured on a failed restore proves nothing: the engine reports it "Skipped: restore failed".
        if ($DependsOn) {
            $blocker = Get-DrillCheck $DependsOn
            if ($blocker -and $blocker.Outcome -ne 'Passed') {
                Set-ItResult -Skipped -Because "not measured: '$DependsOn' failed ($($blocker.FailureReason))"
                return
            }
        }
        $check | Should -Not -BeNullOrEmpty -Because "the drill report has no check named '$Name'"
        $check.Outcome | Should -Be 'Passed' -Because $check.FailureReason
    }
}

Describe 'Monthly disaster-recovery drill' {
    It 'credentials and reachability of every component are confirmed' -Tag 'credentials' {
        $script:dryRun.Checks | Where-Object Outcome -ne 'Passed' | ForEach-Object { "$($_.Name): $($_.FailureReason)" } | Should -BeNullOrEmpty
    }

    Context 'Database restore test' -Tag 'postgresql' {
        It 'restores the latest backup of <Name> into a disposable database and validates it' -ForEach $databases {
            Assert-DrillCheck "database restore: $Name"
        }

        It 'restores <Name> within the RTO' -ForEach $databases {
            Assert-DrillCheck "rto: $Name" -DependsOn "database restore: $Name"
        }

        It 'restores a backup of <Name> no older than the RPO' -ForEach $databases {
            Assert-DrillCheck "rpo: $Name" -DependsOn "database restore: $Name"
        }
    }

    Context 'R2 asset verification' -Tag 'objects' {
        It 'sampled objects under <Bucket>/<Prefix> still hash correctly' -ForEach $buckets {
            Assert-DrillCheck "object integrity: $Bucket/$Prefix"
        }

        It 'lifecycle transitions of <Bucket> match the policy' -ForEach $lifecycles -Tag 'lifecycle' {
            Assert-DrillCheck "lifecycle: $Bucket"
        }
    }

    Context 'Redis snapshot' -Tag 'redis' {
        It 'the latest snapshot of <Source> restores into a sandbox with its queues' -ForEach $redis {
            Assert-DrillCheck "redis restore: $Source"
        }
    }

    Context 'Documentation' -Tag 'log' {
        It 'records outcome, duration and blockers in the drill log and reports' {
            $script:report.JsonReport | Should -Exist
            $script:report.JUnitReport | Should -Exist
            $log = Join-Path (Split-Path $DrillDefinition) ((Get-Content -Raw -LiteralPath $DrillDefinition | ConvertFrom-Json).logPath)
            $log | Should -Exist
            Get-Content -Raw -LiteralPath $log | Should -Match ([regex]::Escape($script:report.Environment))
        }
    }
}
