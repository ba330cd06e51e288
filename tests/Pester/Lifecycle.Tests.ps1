#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<# Set-, Get-, Test-R2Lifecycle and Test-R2Object in real pwsh against the real Ceph RGW the test host started. #>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    Set-TestS3Environment
    $script:missing = "backupops-missing-$PID"
}

Describe 'Set-R2Lifecycle' {
    It "the README pipeline: 'bucket' | Set-R2Lifecycle -WhatIf shows the change and writes nothing" {
        $bucket = New-TestBucket 'lc-whatif'
        $bucket | Set-R2Lifecycle -Prefix receipts/ -LegalHoldPrefix legal/ -WhatIf | Should -BeNullOrEmpty
        Get-R2Lifecycle -Bucket $bucket | Should -BeNullOrEmpty
        (Test-R2Lifecycle -Bucket $bucket -Prefix receipts/).InSync | Should -BeFalse
    }

    It 'applies unattended with -Confirm:$false -Force (a first expiration deletes sooner), then is idempotent' {
        $bucket = New-TestBucket 'lc-apply'
        $applied = Set-R2Lifecycle -Bucket $bucket -Prefix receipts/ -Confirm:$false -Force
        $applied | Should -BeOfType 'BackupOps.R2LifecycleResult'
        $applied.Applied | Should -BeTrue
        $again = Set-R2Lifecycle -Bucket $bucket -Prefix receipts/ -Confirm:$false
        $again.Applied | Should -BeFalse
        $again.InSync | Should -BeTrue
        $rules = Get-R2Lifecycle -Bucket $bucket
        $rules | Should -BeOfType 'BackupOps.R2LifecycleRule'
        ($rules | Where-Object ManagedByBackupOps).Id | Should -Be 'backupops-default'
        (Test-R2Lifecycle -Bucket $bucket -Prefix receipts/).InSync | Should -BeTrue
        $verbose = (Get-R2Lifecycle -Bucket $bucket -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match ([regex]::Escape("S3: $($env:BACKUPOPS_TEST_S3_ENDPOINT), provider Generic, key from AWS_ACCESS_KEY_ID"))
        $verbose | Should -Not -Match ([regex]::Escape($env:BACKUPOPS_TEST_S3_SECRET_KEY))
    }

    It 'without -Force, a change that deletes sooner asks its second question; with no console that is a clear error naming -Force' {
        $bucket = New-TestBucket 'lc-noconsole'
        $ps = [powershell]::Create()
        try {
            # A runspace without a host UI cannot prompt, like pwsh -File under cron.
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $PSScriptRoot '../../BackupOps.psd1')).AddStatement()
            $null = $ps.AddCommand('Set-R2Lifecycle').AddParameter('Bucket', $bucket).AddParameter('Prefix', 'receipts/').AddParameter('Confirm', $false)
            $failure = $null
            try { $ps.Invoke() | Out-Null } catch { $failure = $_.Exception.InnerException ?? $_.Exception }
            $record = if ($failure -is [System.Management.Automation.IContainsErrorRecord]) { $failure.ErrorRecord } else { $ps.Streams.Error[0] }
            $record.FullyQualifiedErrorId | Should -Be 'ConfirmationUnavailable,BackupOps.Commands.SetR2LifecycleCommand'
            $record.Exception.Message | Should -Match '-Force'
        } finally {
            $ps.Dispose()
        }
        Get-R2Lifecycle -Bucket $bucket | Should -BeNullOrEmpty
    }

    It 'several buckets by value through the pipeline, from one template (the help example); Test-R2Lifecycle | Select-Object InSync, Changes' {
        $first = New-TestBucket 'lc-many'
        $second = New-TestBucket 'lc-many'
        $template = Join-Path $TestDrive 'many.json'
        @{ version = 1; buckets = @($first, $second | ForEach-Object { @{ bucket = $_; rules = @(@{ name = 'receipts'; prefix = 'receipts/'; phases = @(@{ afterDays = 30; storageClass = 'InfrequentAccess' }); expirationDays = 540 }) } }) } |
            ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $template
        $results = $first, $second | Set-R2Lifecycle -Template $template -Confirm:$false -Force
        $results.Bucket | Should -Be @($first, $second)
        $results.Applied | Should -Be @($true, $true)
        $drift = Test-R2Lifecycle -Bucket $first -Template $template | Select-Object InSync, Changes
        $drift.InSync | Should -BeTrue
        $drift.Changes | Should -BeNullOrEmpty
    }

    It 'bad input: -WhatIf on a bucket that does not exist is S3BucketNotFound (ObjectNotFound), not a change' {
        $err = Get-CommandError { Set-R2Lifecycle -Bucket $script:missing -WhatIf -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'S3BucketNotFound,BackupOps.Commands.SetR2LifecycleCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: an archive phase on R2 is refused (InvalidArgument)' {
        $bucket = New-TestBucket 'lc-r2'
        $err = Get-CommandError { Set-R2Lifecycle -Bucket $bucket -S3Provider R2 -ArchiveDays 200 -WhatIf -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'LifecycleClassUnsupportedOnR2,BackupOps.Commands.SetR2LifecycleCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Get-R2Lifecycle and Test-R2Lifecycle on a bucket that does not exist' {
    It '<Command> is S3BucketNotFound (ObjectNotFound), never "no policy yet"' -ForEach @(
        @{ Command = 'Get-R2Lifecycle'; Type = 'GetR2LifecycleCommand' }
        @{ Command = 'Test-R2Lifecycle'; Type = 'TestR2LifecycleCommand' }
    ) {
        $err = Get-CommandError { & $Command -Bucket $script:missing -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be "S3BucketNotFound,BackupOps.Commands.$Type"
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match ([regex]::Escape($script:missing))
    }
}

Describe 'Test-R2Object' {
    BeforeAll {
        $script:bucket = New-TestBucket 'objects'
        foreach ($i in 1..4) { Write-TestObject $script:bucket "sample/receipt-$i.txt" "receipt $i" }
    }

    It 'samples objects and verifies each; -Summary gives totals' {
        $checks = Test-R2Object -Bucket $script:bucket -Prefix sample/ -Sample All
        @($checks).Count | Should -Be 4
        $checks | ForEach-Object { $_ | Should -BeOfType 'BackupOps.R2ObjectCheck'; $_.Outcome | Should -Not -Be 'Failed' }
        $summary = Test-R2Object -Bucket $script:bucket -Prefix sample/ -Sample All -Summary
        $summary | Should -BeOfType 'BackupOps.R2ObjectSummary'
        $summary.Checked | Should -Be 4
        $summary.Failed | Should -Be 0
    }

    It 'a tampered object fails as R2ObjectHashMismatch, written as a non-terminating error' {
        $bucket = New-TestBucket 'tampered'
        Set-TestS3Environment
        $backup = Invoke-PgBackup -ConnectionString (Get-TestPgUrl (New-TestDatabase -Purpose 'tamper' -Events 2 -Attendees 2)) -Store "s3://$bucket/pg"
        $key = (Get-TestBucketKeys $bucket | Where-Object { $_.EndsWith($backup.DataKey) })
        Write-TestObject $bucket $key 'not the backup'
        $checks = Test-R2Object -Bucket $bucket -Prefix pg/ -Sample All -ErrorVariable mismatched -ErrorAction SilentlyContinue
        ($checks | Where-Object Key -eq $key).Outcome | Should -Be 'Failed'
        $mismatched[0].FullyQualifiedErrorId | Should -Be 'R2ObjectHashMismatch,BackupOps.Commands.TestR2ObjectCommand'
        Remove-TestDatabases
    }

    It 'bad input: a bucket that does not exist is ObjectNotFound' {
        $err = Get-CommandError { Test-R2Object -Bucket $script:missing -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'S3BucketNotFound,BackupOps.Commands.TestR2ObjectCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
