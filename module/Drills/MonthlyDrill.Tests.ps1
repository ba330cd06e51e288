#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The monthly disaster-recovery drill checklist of the seed documents, as Pester tests over the BackupOps
    cmdlets. It runs the same checks as the compiled drill (Test-DrDrill / backupops drill): one It per
    checklist item, tagged by component, so an operator can run a part (-TagFilter redis), add their own Its,
    and get NUnit XML for a dashboard.

        $container = New-PesterContainer -Path ./module/Drills/MonthlyDrill.Tests.ps1 -Data @{ DrillDefinition = './drill.json' }
        Invoke-Pester -Container $container -Output Detailed -CI        # writes testResults.xml (NUnit)

    Not run on the build machines (no pwsh there); the compiled drill it mirrors is tested against real servers.
#>
param(
    [Parameter(Mandatory)]
    [string] $DrillDefinition
)

BeforeDiscovery {
    $definition = Get-Content -Raw -LiteralPath $DrillDefinition | ConvertFrom-Json
    $databases = @($definition.databases | ForEach-Object { @{ Name = $_.name } })
    $buckets = @($definition.objectStores | ForEach-Object { $bucket = $_; $_.prefixes | ForEach-Object { @{ Bucket = $bucket.bucket; Prefix = $_ } } })
    $lifecycles = @($definition.objectStores | Where-Object lifecycleTemplate | ForEach-Object { @{ Bucket = $_.bucket } })
    $redis = @($definition.redis | ForEach-Object { @{ Source = $_.source } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    # 1. Confirm credentials (the seed's backup_db.sh --dry-run), then the drill itself, once.
    $script:dryRun = Test-DrDrill -Path $DrillDefinition -DryRun -ErrorAction SilentlyContinue
    $script:report = Test-DrDrill -Path $DrillDefinition -ErrorAction SilentlyContinue
    function Get-DrillCheck([string] $Name) { $script:report.Checks | Where-Object Name -eq $Name }
}

Describe 'Monthly disaster-recovery drill' {
    It 'credentials and reachability of every component are confirmed' -Tag 'credentials' {
        $script:dryRun.Checks | Where-Object Outcome -ne 'Passed' | ForEach-Object { "$($_.Name): $($_.FailureReason)" } | Should -BeNullOrEmpty
    }

    Context 'Database restore test' -Tag 'postgresql' {
        It 'restores the latest backup of <Name> into a disposable database and validates it' -ForEach $databases {
            $check = Get-DrillCheck "database restore: $Name"
            $check.Outcome | Should -Be 'Passed' -Because $check.FailureReason
        }

        It 'restores <Name> within the RTO' -ForEach $databases {
            (Get-DrillCheck "rto: $Name").Outcome | Should -Be 'Passed' -Because (Get-DrillCheck "rto: $Name").FailureReason
        }

        It 'restores a backup of <Name> no older than the RPO' -ForEach $databases {
            (Get-DrillCheck "rpo: $Name").Outcome | Should -Be 'Passed' -Because (Get-DrillCheck "rpo: $Name").FailureReason
        }
    }

    Context 'R2 asset verification' -Tag 'objects' {
        It 'sampled objects under <Bucket>/<Prefix> still hash correctly' -ForEach $buckets {
            $check = Get-DrillCheck "object integrity: $Bucket/$Prefix"
            $check.Outcome | Should -Be 'Passed' -Because $check.FailureReason
        }

        It 'lifecycle transitions of <Bucket> match the policy' -ForEach $lifecycles -Tag 'lifecycle' {
            $check = Get-DrillCheck "lifecycle: $Bucket"
            $check.Outcome | Should -Be 'Passed' -Because $check.FailureReason
        }
    }

    Context 'Redis snapshot' -Tag 'redis' {
        It 'the latest snapshot of <Source> restores into a sandbox with its queues' -ForEach $redis {
            $check = Get-DrillCheck "redis restore: $Source"
            $check.Outcome | Should -Be 'Passed' -Because $check.FailureReason
        }
    }

    Context 'Documentation' -Tag 'log' {
        It 'records outcome, duration and blockers in the drill log and reports' {
            $script:report.JsonReport | Should -Exist
            $script:report.JUnitReport | Should -Exist
        }
    }
}
