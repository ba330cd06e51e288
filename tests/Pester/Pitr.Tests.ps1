#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Point-in-time recovery from PowerShell: Invoke-PgBaseBackup, Get-PgBaseBackup, Test-PgWalArchive,
    Restore-PgBaseBackup and Remove-PgBaseBackup in real pwsh against a real PostgreSQL 15 that archives its WAL with
    the real CLI (archive_command = 'backupops pg wal push ...', started by the test host: BACKUPOPS_TEST_PITR_*).
    Rows are committed around a base backup and a target time; recoveries bring back exactly the rows before it.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    foreach ($name in 'BACKUPOPS_TEST_PITR_PORT', 'BACKUPOPS_TEST_PITR_PASSWORD', 'BACKUPOPS_TEST_PITR_CLUSTER', 'BACKUPOPS_TEST_PITR_STORE', 'BACKUPOPS_TEST_PITR_TEMP', 'BACKUPOPS_TEST_CLI') {
        if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: the test host (PesterSuiteTests) starts the archiving PostgreSQL." }
    }

    $env:BACKUPOPS_CLI = $env:BACKUPOPS_TEST_CLI
    $script:cluster = $env:BACKUPOPS_TEST_PITR_CLUSTER
    $script:store = $env:BACKUPOPS_TEST_PITR_STORE
    $script:temp = $env:BACKUPOPS_TEST_PITR_TEMP
    $script:url = "postgresql://postgres@127.0.0.1:$($env:BACKUPOPS_TEST_PITR_PORT)/postgres"
    $script:credential = [pscredential]::new('postgres', (ConvertTo-SecureString $env:BACKUPOPS_TEST_PITR_PASSWORD -AsPlainText -Force))

    function Invoke-PitrSql([string] $Sql) {
        $saved = $env:PGPASSWORD
        $env:PGPASSWORD = $env:BACKUPOPS_TEST_PITR_PASSWORD
        try {
            $output = $Sql | & psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $env:BACKUPOPS_TEST_PITR_PORT -U postgres -d postgres -f - 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql on the archiving server failed: $output" }
            $output
        } finally {
            $env:PGPASSWORD = $saved
        }
    }

    function Wait-PitrArchived {
        # Closes the current segment and waits until PostgreSQL says archive_command took it.
        $segment = Invoke-PitrSql 'SELECT pg_walfile_name(pg_switch_wal())'
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline) {
            $last = Invoke-PitrSql 'SELECT coalesce(last_archived_wal, '''') FROM pg_stat_archiver'
            if ($last.Length -ge 24 -and [string]::CompareOrdinal($last.Substring(0, 24), $segment) -ge 0) { return }
            Start-Sleep -Milliseconds 100
        }
        # Say why: PostgreSQL counts archive_command failures and names the last one (its log has the command's stderr).
        $archiver = Invoke-PitrSql "SELECT 'archived ' || archived_count || ', failed ' || failed_count || ', last failed ' || coalesce(last_failed_wal, '-') || ' at ' || coalesce(last_failed_time::text, '-') FROM pg_stat_archiver"
        throw "$segment was not archived within 60 s (pg_stat_archiver: $archiver)"
    }

    function Get-WalObjects([string] $Store) {
        Get-ChildItem (Join-Path $Store "wal/$($script:cluster)") -Recurse -File -Filter '*.zst' | Where-Object { $_.Name.Length -eq 28 } | Sort-Object Name
    }

    Invoke-PitrSql 'CREATE TABLE events (id int PRIMARY KEY, note text NOT NULL)' | Out-Null
    # One transaction per row (psql autocommits each statement), a few before the base backup and more after it.
    Invoke-PitrSql ((1..10 | ForEach-Object { "INSERT INTO events VALUES ($_, 'row $_');" }) -join "`n") | Out-Null
    $script:base = Invoke-PgBaseBackup -ConnectionString $script:url -Credential $script:credential -Cluster $script:cluster -Store $script:store
    Invoke-PitrSql ((11..15 | ForEach-Object { "INSERT INTO events VALUES ($_, 'row $_');" }) -join "`n") | Out-Null
    Start-Sleep -Milliseconds 600
    $script:target = [DateTimeOffset]::Parse((Invoke-PitrSql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"), [cultureinfo]::InvariantCulture)
    Start-Sleep -Milliseconds 600
    Invoke-PitrSql ((16..20 | ForEach-Object { "INSERT INTO events VALUES ($_, 'row $_');" }) -join "`n") | Out-Null
    # Two closed segments after the last row, so every segment the recoveries need has a successor in the archive.
    Wait-PitrArchived
    Invoke-PitrSql 'CREATE TABLE IF NOT EXISTS marks (n int); INSERT INTO marks VALUES (1)' | Out-Null
    Wait-PitrArchived
}

Describe 'Invoke-PgBaseBackup' {
    It 'takes a base backup into the store: data proven by its SHA-256, manifest written, the documented object returned' {
        $script:base | Should -BeOfType 'BackupOps.PgBaseBackup'
        $script:base.Cluster | Should -Be $script:cluster
        $script:base.ServerVersion | Should -Be '15'
        $script:base.StartWalSegment | Should -Match '^[0-9A-F]{24}$'
        $script:base.StopTimeUtc | Should -BeGreaterThan $script:base.StartedUtc.AddSeconds(-1)
        $data = Join-Path $script:store $script:base.DataKey
        (Get-FileHash -Algorithm SHA256 $data).Hash.ToLowerInvariant() | Should -Be $script:base.Sha256
        (Get-Item $data).Length | Should -Be $script:base.SizeBytes
        Join-Path $script:store $script:base.ManifestKey | Should -Exist
    }

    It '-WhatIf takes nothing' {
        $dry = Join-Path $TestDrive 'base-dry'
        Invoke-PgBaseBackup -ConnectionString $script:url -Credential $script:credential -Cluster $script:cluster -Store $dry -WhatIf | Should -BeNullOrEmpty
        $dry | Should -Not -Exist
    }

    It 'bad input: a cluster name with a space is ClusterInvalid (InvalidArgument), naming -Cluster only' {
        $err = Get-CommandError { Invoke-PgBaseBackup -ConnectionString $script:url -Credential $script:credential -Cluster 'db 1' -Store (Join-Path $TestDrive 'never') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'ClusterInvalid,BackupOps.Commands.InvokePgBaseBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Cluster'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'Get-PgBaseBackup' {
    It 'lists the base backup of the cluster; -Latest gives one' {
        $listed = @(Get-PgBaseBackup -Store $script:store -Cluster $script:cluster)
        $listed.BackupId | Should -Contain $script:base.BackupId
        $listed[0] | Should -BeOfType 'BackupOps.PgBaseBackup'
        @(Get-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest).Count | Should -Be 1
        Get-PgBaseBackup -Store $script:store -Cluster 'no-such-cluster' | Should -BeNullOrEmpty
    }
}

Describe 'Test-PgWalArchive' {
    It 'proves every segment from the base backup on and reports the recoverable window' {
        $report = Get-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest | Test-PgWalArchive
        $report | Should -BeOfType 'BackupOps.PgWalArchiveReport'
        $report.Succeeded | Should -BeTrue
        $report.Verified | Should -BeGreaterThan 0
        $report.Problems | Should -BeNullOrEmpty
        $report.RecoverableFromUtc | Should -Not -BeNullOrEmpty
        $report.RecoverableToUtc | Should -BeGreaterThan $script:target.UtcDateTime
    }

    It 'names a flipped byte (PgWalSegmentDamaged) and a deleted segment (PgWalArchiveGap); a restore past the gap is refused before any server starts' {
        $damagedStore = Join-Path $TestDrive 'damaged'
        Copy-Item $script:store $damagedStore -Recurse
        $segments = @(Get-WalObjects $damagedStore | Where-Object { [string]::CompareOrdinal($_.BaseName, $script:base.StopWalSegment) -gt 0 })
        # The victim must have a successor: a deleted last segment is indistinguishable from one not yet archived.
        $segments.Count | Should -BeGreaterOrEqual 2
        $victim = $segments[0]
        $bytes = [System.IO.File]::ReadAllBytes($victim.FullName)
        $bytes[[int]($bytes.Length / 3)] = $bytes[[int]($bytes.Length / 3)] -bxor 1
        [System.IO.File]::WriteAllBytes($victim.FullName, $bytes)
        $report = Test-PgWalArchive -Store $damagedStore -Cluster $script:cluster -ErrorVariable problems -ErrorAction SilentlyContinue
        $report.Succeeded | Should -BeFalse
        $report.Damaged | Should -Be @($victim.BaseName)
        $problems.FullyQualifiedErrorId | Should -Be 'PgWalSegmentDamaged,BackupOps.Commands.TestPgWalArchiveCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'

        $gapStore = Join-Path $TestDrive 'gap'
        Copy-Item $script:store $gapStore -Recurse
        $missing = @(Get-WalObjects $gapStore | Where-Object { [string]::CompareOrdinal($_.BaseName, $script:base.StopWalSegment) -gt 0 })[0]
        Remove-Item $missing.FullName
        $report = Test-PgWalArchive -Store $gapStore -Cluster $script:cluster -ErrorVariable problems -ErrorAction SilentlyContinue
        $report.Succeeded | Should -BeFalse
        $report.Gaps -join ' ' | Should -Match $missing.BaseName
        $problems.FullyQualifiedErrorId | Should -Contain 'PgWalArchiveGap,BackupOps.Commands.TestPgWalArchiveCommand'

        $err = Get-CommandError { Restore-PgBaseBackup -Store $gapStore -Cluster $script:cluster -Latest -TempDirectory $script:temp -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'WalGap,BackupOps.Commands.RestorePgBaseBackupCommand'
        $err.Exception.Message | Should -Match $missing.BaseName
        Assert-PowerShellMessage $err.Exception.Message
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }
}

Describe 'Restore-PgBaseBackup' {
    It '-PointInTime between commits gives exactly the rows committed before it, including rows from before the base backup' {
        $result = Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -PointInTime $script:target -TempDirectory $script:temp `
            -SmokeQuery 'SELECT count(*) FROM events => = 15', 'SELECT max(id) FROM events => = 15'
        $result | Should -BeOfType 'BackupOps.PgPointInTimeRestoreResult'
        $result.Succeeded | Should -BeTrue
        $result.BaseBackupId | Should -Be $script:base.BackupId
        $result.RecoveredToUtc | Should -BeLessThan $script:target.UtcDateTime
        @($result.Checks | Where-Object Outcome -eq 'Passed').Count | Should -BeGreaterOrEqual 2
        $result.Steps.Name | Should -Contain 'check WAL chain'
        $result.DataDirectory | Should -BeNullOrEmpty
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }

    It 'Get-PgBaseBackup -Latest | Restore-PgBaseBackup -Latest brings back every row' {
        $result = Get-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest | Restore-PgBaseBackup -Latest -TempDirectory $script:temp -SmokeQuery 'SELECT count(*) FROM events => = 20'
        $result.Succeeded | Should -BeTrue
        $result.Target | Should -Be 'latest'
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }

    It 'a failed smoke query is PgPointInTimeValidationFailed, with the result still output' {
        $result = Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest -TempDirectory $script:temp -SmokeQuery 'SELECT count(*) FROM events => = 21' -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $problems.FullyQualifiedErrorId | Should -Contain 'PgPointInTimeValidationFailed,BackupOps.Commands.RestorePgBaseBackupCommand'
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }

    It '-WhatIf recovers nothing' {
        Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest -TempDirectory $script:temp -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }

    It 'bad input: a target before the oldest base backup is PitrTargetBeforeBackup (InvalidArgument)' {
        $err = Get-CommandError { Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -PointInTime ([DateTimeOffset]::UtcNow.AddDays(-30)) -TempDirectory $script:temp -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'PitrTargetBeforeBackup,BackupOps.Commands.RestorePgBaseBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: without the CLI (no BACKUPOPS_CLI, none on PATH) it is BackupOpsCliMissing before anything starts' {
        $savedPath = $env:PATH
        try {
            $env:BACKUPOPS_CLI = $null
            $env:PATH = Join-Path $TestDrive 'empty-path'
            $err = Get-CommandError { Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest -TempDirectory $script:temp -ErrorAction Stop }
        } finally {
            $env:PATH = $savedPath
            $env:BACKUPOPS_CLI = $env:BACKUPOPS_TEST_CLI
        }
        $err.FullyQualifiedErrorId | Should -Be 'BackupOpsCliMissing,BackupOps.Commands.RestorePgBaseBackupCommand'
        $err.Exception.Message | Should -Match 'BACKUPOPS_CLI'
        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
    }
}

Describe 'Cancellation through PowerShell.Stop()' {
    It 'stops a recovery while its server replays WAL: the server is stopped and its folder removed' {
        $ps = [powershell]::Create()
        $async = $null
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $PSScriptRoot '../../BackupOps.psd1')).AddStatement()
            $null = $ps.AddCommand('Restore-PgBaseBackup').AddParameter('Store', $script:store).AddParameter('Cluster', $script:cluster).AddParameter('Latest').AddParameter('TempDirectory', $script:temp)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object StatusDescription -match '^replaying WAL') -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $async.IsCompleted | Should -BeFalse -Because 'the recovery must still be running when it is stopped'
            @(Get-ChildItem $script:temp -Force).Count | Should -Be 1 -Because 'the disposable server has its folder while it runs'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            # As in PgBackup.Tests.ps1: wait for the invocation's worker before disposing it.
            if ($async) { $null = $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) }
            $ps.Dispose()
        }

        @(Get-ChildItem $script:temp -Force).Count | Should -Be 0
        @(& ps -eo args | Where-Object { $_ -match 'postgres' -and $_ -match [regex]::Escape($script:temp) }) | Should -BeNullOrEmpty
    }
}

Describe 'Output' {
    It '<Type> carries exactly the properties its help documents and renders at 80 columns' -ForEach @(
        @{ Type = 'BackupOps.PgBaseBackup'; Command = 'Get-PgBaseBackup'; Run = { Get-PgBaseBackup -Store $script:store -Cluster $script:cluster } }
        @{ Type = 'BackupOps.PgWalArchiveReport'; Command = 'Test-PgWalArchive'; Run = { Test-PgWalArchive -Store $script:store -Cluster $script:cluster -NoRead } }
        @{ Type = 'BackupOps.PgPointInTimeRestoreResult'; Command = 'Restore-PgBaseBackup'; Run = { Restore-PgBaseBackup -Store $script:store -Cluster $script:cluster -Latest -TempDirectory $script:temp } }
    ) {
        $objects = @(& $Run)
        $objects | Should -Not -BeNullOrEmpty
        $help = Get-Help $Command -Full
        $value = $help.returnValues.returnValue | Where-Object { $_.type.name -eq $Type }
        $documented = (($value.description.Text -join ' ') -replace '(?s).*Properties: ([^.]+)\..*', '$1') -split ',\s*'
        foreach ($object in $objects) {
            $object.PSObject.TypeNames[0] | Should -Be $Type
            @($object.PSObject.Properties.Name) | Should -Be $documented
        }

        $text = $objects | Out-String -Width 80
        foreach ($line in $text -split "`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80 columns" }
        $text | Should -Not -Match '…'
        $text | Should -Not -Match '\{?BackupOps\.[A-Z]\w+[,}]' -Because 'nested objects must render, not show their type name'
    }
}

Describe 'Remove-PgBaseBackup' {
    It 'never removes the newest base backup of a cluster: BackupProtected, and -WhatIf removes nothing' {
        $copy = Join-Path $TestDrive 'remove-protected'
        Copy-Item $script:store $copy -Recurse
        $walBefore = @(Get-WalObjects $copy).Count
        Get-PgBaseBackup -Store $copy -Cluster $script:cluster | Remove-PgBaseBackup -WhatIf -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err = Get-CommandError { Remove-PgBaseBackup -Store $copy -Cluster $script:cluster -BackupId $script:base.BackupId -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike '*,BackupOps.Commands.RemovePgBaseBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        # Only a verification record may appear (the removal proves what it keeps); the backup and every WAL file stay.
        Join-Path $copy $script:base.DataKey | Should -Exist
        Join-Path $copy $script:base.ManifestKey | Should -Exist
        @(Get-WalObjects $copy).Count | Should -Be $walBefore
        (Get-PgBaseBackup -Store $copy -Cluster $script:cluster).BackupId | Should -Be $script:base.BackupId
    }

    It 'removing an older base backup also removes the WAL only it needed; the newer one still recovers' {
        $second = Invoke-PgBaseBackup -ConnectionString $script:url -Credential $script:credential -Cluster $script:cluster -Store $script:store
        Wait-PitrArchived
        $copy = Join-Path $TestDrive 'remove-older'
        Copy-Item $script:store $copy -Recurse
        $older = @(Get-WalObjects $copy | Where-Object { [string]::CompareOrdinal($_.BaseName.Substring(8), $second.StartWalSegment.Substring(8)) -lt 0 })
        $older.Count | Should -BeGreaterThan 0
        $kept = @(Get-WalObjects $copy | Where-Object { [string]::CompareOrdinal($_.BaseName.Substring(8), $second.StartWalSegment.Substring(8)) -ge 0 })

        $removed = Get-PgBaseBackup -Store $copy -Cluster $script:cluster | Where-Object BackupId -eq $script:base.BackupId | Remove-PgBaseBackup -Confirm:$false
        $removed | ForEach-Object { $_ | Should -BeOfType 'BackupOps.BackupPruneResult' }
        $removed.Key | Should -Contain $script:base.BackupId
        foreach ($file in $older) { $removed.Key | Should -Contain $file.BaseName }
        $removed.Removed | Should -Not -Contain $false
        foreach ($file in $older) { $file.FullName | Should -Not -Exist }
        foreach ($file in $kept) { $file.FullName | Should -Exist }
        (Get-PgBaseBackup -Store $copy -Cluster $script:cluster).BackupId | Should -Be $second.BackupId
        (Test-PgWalArchive -Store $copy -Cluster $script:cluster).Succeeded | Should -BeTrue
    }
}
