#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Invoke-PgBackup, Get-PgBackup, Restore-PgBackup and Remove-PgBackup in real pwsh against the real PostgreSQL 15
    and Ceph RGW the test host started: happy paths, bad input (FullyQualifiedErrorId and category), the README's
    pipelines, -WhatIf, unattended confirmation, -ErrorAction Stop and per-item errors, progress, cancellation.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $script:database = New-TestDatabase -Purpose 'pg'
    $script:url = Get-TestPgUrl $script:database
    $script:server = Get-TestPgUrl
    $script:store = Join-Path $TestDrive 'backups'
    $script:first = Invoke-PgBackup -ConnectionString $script:url -Store $script:store -CriticalTable attendees
    $script:second = Invoke-PgBackup -ConnectionString $script:url -Store $script:store
}

AfterAll {
    Remove-TestDatabases
}

Describe 'Invoke-PgBackup' {
    It 'backs up to a folder: bytes, SHA-256 and manifest written, the documented object returned' {
        $script:first | Should -BeOfType 'BackupOps.PgBackup'
        $script:first.Database | Should -Be $script:database
        $script:first.Sha256 | Should -Match '^[0-9a-f]{64}$'
        $script:first.SizeBytes | Should -BeGreaterThan 0
        $data = Join-Path $script:store $script:first.DataKey
        $data | Should -Exist
        (Get-FileHash -Algorithm SHA256 $data).Hash.ToLowerInvariant() | Should -Be $script:first.Sha256
        (Get-Item $data).Length | Should -Be $script:first.SizeBytes
        Join-Path $script:store $script:first.ManifestKey | Should -Exist
    }

    It 'backs up to S3 (RGW) with -S3Endpoint and -S3Credential: both objects present, no open multipart upload' {
        $bucket = New-TestBucket 'pg-s3'
        $backup = Invoke-PgBackup -ConnectionString $script:url -Store "s3://$bucket/pg" -S3Endpoint $env:BACKUPOPS_TEST_S3_ENDPOINT -S3Credential (Get-TestS3Credential) -S3Provider Generic
        $keys = Get-TestBucketKeys $bucket
        @($keys | Where-Object { $_.EndsWith($backup.DataKey) }).Count | Should -Be 1
        @($keys | Where-Object { $_ -like '*.manifest.json' }).Count | Should -Be 1
        Get-TestMultipartUploadCount $bucket | Should -Be 0
    }

    It '-WhatIf checks everything and backs up nothing' {
        $dry = Join-Path $TestDrive 'dry-run'
        $checks = Invoke-PgBackup -ConnectionString $script:url -Store $dry -WhatIf
        $checks | Should -Not -BeNullOrEmpty
        $checks | ForEach-Object { $_ | Should -BeOfType 'BackupOps.BackupCheck' }
        $checks.Outcome | Should -Not -Contain 'Failed'
        $dry | Should -Not -Exist -Because 'a dry run creates no store folder'
    }

    It 'bad input: a wrong password is PgAuthenticationFailed (AuthenticationError) and names no secret' {
        $wrong = [pscredential]::new('postgres', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $err = Get-CommandError { Invoke-PgBackup -ConnectionString $script:url -Credential $wrong -Store (Join-Path $TestDrive 'never') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'PgAuthenticationFailed,BackupOps.Commands.InvokePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Not -Match 'not-the-password'
        $err.Exception.Message | Should -Match '-Credential'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: a malformed connection string is an InvalidArgument error naming the parameter' {
        $err = Get-CommandError { Invoke-PgBackup -ConnectionString 'postgresql://host:notaport/db' -Store (Join-Path $TestDrive 'never') -ErrorAction Stop }
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.FullyQualifiedErrorId | Should -BeLike '*,BackupOps.Commands.InvokePgBackupCommand'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'writes progress records and completes them' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $PSScriptRoot '../../BackupOps.psd1')).AddStatement()
            $null = $ps.AddCommand('Invoke-PgBackup').AddParameter('ConnectionString', $script:url).AddParameter('Store', (Join-Path $TestDrive 'progress'))
            $result = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $result[0].BackupId | Should -Not -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
            @($records | Where-Object RecordType -eq 'Processing').Count | Should -BeGreaterThan 0
            foreach ($activity in ($records | Group-Object ActivityId)) {
                $activity.Group[-1].RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It '-Verbose says which server, which store and each phase (never the password)' {
        $verbose = Invoke-PgBackup -ConnectionString $script:url -Store (Join-Path $TestDrive 'verbose') -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $text = ($verbose | ForEach-Object Message) -join "`n"
        $text | Should -Match 'Store: '
        $text | Should -Match ([regex]::Escape("127.0.0.1:$($env:BACKUPOPS_TEST_PG_PORT)/$($script:database)"))
        $text | Should -Match 'pg_dump'
        $text | Should -Match 'finished'
        $text | Should -Not -Match ([regex]::Escape($env:BACKUPOPS_TEST_PG_PASSWORD))
    }
}

Describe 'Get-PgBackup' {
    It 'lists valid backups newest first; -Latest gives one per database; -Database filters' {
        $all = Get-PgBackup -Store $script:store
        $all.BackupId | Should -Be @($script:second.BackupId, $script:first.BackupId)
        (Get-PgBackup -Store $script:store -Latest).BackupId | Should -Be $script:second.BackupId
        Get-PgBackup -Store $script:store -Database 'no_such_database' | Should -BeNullOrEmpty
    }

    It 'reports a partial write as a leftover, not as a backup' {
        $store = Join-Path $TestDrive 'with-leftover'
        $backup = Invoke-PgBackup -ConnectionString $script:url -Store $store
        Remove-Item (Join-Path $store $backup.ManifestKey)
        Get-PgBackup -Store $store -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $leftover = Get-PgBackup -Store $store -Leftover
        $leftover | Should -BeOfType 'BackupOps.PgBackupLeftover'
        $leftover.Key | Should -Be $backup.DataKey
    }

    It 'bad input: a store with an invalid bucket name is StoreBucketInvalid (InvalidArgument), in PowerShell terms' {
        $err = Get-CommandError { Get-PgBackup -Store 's3://Not_A_Bucket/pg' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'StoreBucketInvalid,BackupOps.Commands.GetPgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-Store'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: a bucket that does not exist is S3BucketNotFound (ObjectNotFound)' {
        Set-TestS3Environment
        $err = Get-CommandError { Get-PgBackup -Store 's3://backupops-no-such-bucket/pg' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'S3BucketNotFound,BackupOps.Commands.GetPgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Get-PgBackup streams a large catalog' {
    BeforeAll {
        # 30 valid backups on the RGW: one real backup, its data copied server-side under new ids and its manifest
        # rewritten for each id (as the benchmark builds its catalogs).
        Set-TestS3Environment
        $script:streamBucket = New-TestBucket 'stream'
        $script:streamStore = "s3://$($script:streamBucket)/c"
        $seed = Invoke-PgBackup -ConnectionString $script:url -Store "s3://$($script:streamBucket)/seed"
        $manifest = Invoke-TestS3 -Path "$($script:streamBucket)/seed/$($seed.ManifestKey)"
        $ids = foreach ($i in 0..29) { ([datetime]'2026-10-01').AddMinutes(15 * $i).ToString("yyyyMMdd'T'HHmmssfff'Z'") + '-' + ('{0:x6}' -f $i) }
        foreach ($id in $ids) {
            Invoke-TestS3 -Method PUT -Path "$($script:streamBucket)/c/$($seed.DataKey.Replace($seed.BackupId, $id))" -Header @{ 'x-amz-copy-source' = "/$($script:streamBucket)/seed/$($seed.DataKey)" } | Out-Null
            Write-TestObject $script:streamBucket "c/$($seed.ManifestKey.Replace($seed.BackupId, $id))" $manifest.Replace($seed.BackupId, $id)
        }
        [array]::Reverse($ids)
        $script:streamIds = $ids
    }

    It 'Get-PgBackup | Select-Object -First 3 returns the 3 newest and stops the manifest reads (counted in the RGW log)' {
        $from = Get-TestS3LogPosition
        $first = @(Get-PgBackup -Store $script:streamStore | Select-Object -First 3)
        $gets = Get-TestS3ManifestGetCount -Bucket $script:streamBucket -Since $from
        $first.BackupId | Should -Be $script:streamIds[0..2]
        $gets | Should -BeLessOrEqual 11 -Because 'three rows and at most 8 reads ahead, cancelled when Select-Object stopped the pipeline, of 30 manifests'
        $gets | Should -BeGreaterOrEqual 3
    }

    It '-Limit 5 (the twin of pg list --limit) returns the 5 newest and GETs exactly their manifests' {
        $from = Get-TestS3LogPosition
        (Get-PgBackup -Store $script:streamStore -Limit 5).BackupId | Should -Be $script:streamIds[0..4]
        Get-TestS3ManifestGetCount -Bucket $script:streamBucket -Since $from | Should -Be 5
    }

    It 'without a bound, every backup comes, newest first; -Limit 0 is refused by parameter validation' {
        (Get-PgBackup -Store $script:streamStore).BackupId | Should -Be $script:streamIds
        { Get-PgBackup -Store $script:streamStore -Limit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupOps.Commands.GetPgBackupCommand'
    }
}

Describe 'Restore-PgBackup' {
    BeforeAll {
        $script:expectedAttendees = Invoke-TestSql $script:database 'SELECT count(*) FROM attendees'
    }

    It 'the README pipeline: Get-PgBackup -Latest | Restore-PgBackup into a new database asks nothing and validates' {
        $target = New-TestDatabaseName 'restore'
        Register-TestDatabase $target
        # Default $ConfirmPreference (High): a new target is not destructive, so no prompt and no -Confirm needed.
        $result = Get-PgBackup -Store $script:store -Database $script:database -Latest |
            Restore-PgBackup -ConnectionString $script:server -TargetDatabase $target -SmokeQuery 'SELECT count(*) FROM events => > 0'
        $result | Should -BeOfType 'BackupOps.PgRestoreResult'
        $result.Succeeded | Should -BeTrue
        $result.BackupId | Should -Be $script:second.BackupId
        ($result.Checks | Where-Object Outcome -eq 'Failed') | Should -BeNullOrEmpty
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be $script:expectedAttendees
    }

    It 'restores by id with -Store and -BackupId, and -Latest -Database' {
        $byId = New-TestDatabaseName 'restore_id'
        $latest = New-TestDatabaseName 'restore_latest'
        Register-TestDatabase $byId
        Register-TestDatabase $latest
        (Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:first.BackupId -TargetDatabase $byId -CriticalTable attendees).Succeeded | Should -BeTrue
        (Restore-PgBackup -ConnectionString $script:server -Store $script:store -Latest -Database $script:database -TargetDatabase $latest).BackupId | Should -Be $script:second.BackupId
    }

    It '-WhatIf changes nothing: the target is not created' {
        $target = New-TestDatabaseName 'whatif'
        Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:first.BackupId -TargetDatabase $target -WhatIf | Should -BeNullOrEmpty
        Test-TestDatabase $target | Should -BeFalse
    }

    It 'refuses a non-empty target without -Force: TargetNotEmpty (ResourceExists), naming -Force' {
        $err = Get-CommandError { Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:first.BackupId -TargetDatabase $script:database -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'TargetNotEmpty,BackupOps.Commands.RestorePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -Match '-Force'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'replaces a non-empty target with -Force -Confirm:$false (the unattended form)' {
        $target = New-TestDatabase -Purpose 'replace' -Events 3 -Attendees 7
        $result = Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:second.BackupId -TargetDatabase $target -Force -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be $script:expectedAttendees
    }

    It 'replacing with -Force and $ConfirmPreference = None needs no -Confirm' {
        $target = New-TestDatabase -Purpose 'replace_pref' -Events 2 -Attendees 2
        $ConfirmPreference = 'None'
        (Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:second.BackupId -TargetDatabase $target -Force).Succeeded | Should -BeTrue
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be $script:expectedAttendees
    }

    It 'bad input: an unknown backup id is BackupNotFound (ObjectNotFound) and tells the PowerShell way to list' {
        $err = Get-CommandError { Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId '20200101T000000000Z-000000' -TargetDatabase (New-TestDatabaseName 'never') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'BackupNotFound,BackupOps.Commands.RestorePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'Get-PgBackup'
        Assert-PowerShellMessage $err.Exception.Message
    }

    It 'bad input: -Jobs out of range is refused by parameter validation' {
        $err = Get-CommandError { Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId $script:first.BackupId -Jobs 0 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,BackupOps.Commands.RestorePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'one target takes one backup per pipeline: -Latest over two databases restores the first and refuses the second (PgRestoreTargetAlreadyUsed)' {
        $other = New-TestDatabase -Purpose 'pipe_other' -Events 3 -Attendees 7
        $multi = Join-Path $TestDrive 'two-databases'
        $null = Invoke-PgBackup -ConnectionString $script:url -Store $multi
        $null = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $other) -Store $multi
        $target = New-TestDatabaseName 'pipe_one'
        Register-TestDatabase $target
        # -Force -Confirm:$false: before the refusal, the second restore replaced the first and the target held the last one.
        $results = Get-PgBackup -Store $multi -Latest | Restore-PgBackup -ConnectionString $script:server -TargetDatabase $target -Force -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 1
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'PgRestoreTargetAlreadyUsed,BackupOps.Commands.RestorePgBackupCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failures[0].Exception.Message | Should -Match '-Database'
        Assert-PowerShellMessage $failures[0].Exception.Message
        $restoredFrom = $results[0].SourceDatabase
        $restoredFrom | Should -BeIn @($script:database, $other)
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be (Invoke-TestSql $restoredFrom 'SELECT count(*) FROM attendees')
    }

    It 'per-item errors are non-terminating: one bad item in the pipeline, the next still restores' {
        $good = New-TestDatabaseName 'per_item'
        Register-TestDatabase $good
        $items = @(
            [pscustomobject]@{ Store = $script:store; BackupId = '20200101T000000000Z-bad000'; Database = $script:database }
            [pscustomobject]@{ Store = $script:store; BackupId = $script:first.BackupId; Database = $script:database }
        )
        $results = $items | Restore-PgBackup -ConnectionString $script:server -TargetDatabase $good -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        @($results).Count | Should -Be 1
        $results[0].Succeeded | Should -BeTrue
    }

    It '-ErrorAction Stop makes the first error terminating: nothing after it runs' {
        $reached = $false
        try {
            Restore-PgBackup -ConnectionString $script:server -Store $script:store -BackupId '20200101T000000000Z-bad001' -TargetDatabase (New-TestDatabaseName 'never') -ErrorAction Stop
            $reached = $true
        } catch {
            $_.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        }
        $reached | Should -BeFalse
    }

    It 'restores a backup from S3 (RGW)' {
        $bucket = New-TestBucket 'pg-restore'
        Set-TestS3Environment
        $backup = Invoke-PgBackup -ConnectionString $script:url -Store "s3://$bucket/pg"
        $target = New-TestDatabaseName 'from_s3'
        Register-TestDatabase $target
        $result = Get-PgBackup -Store "s3://$bucket/pg" -Latest | Restore-PgBackup -ConnectionString $script:server -TargetDatabase $target
        $result.BackupId | Should -Be $backup.BackupId
        $result.Succeeded | Should -BeTrue
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be $script:expectedAttendees
    }
}

Describe 'Remove-PgBackup' {
    It 'Get-PgBackup | Remove-PgBackup -WhatIf removes nothing (and says the newest is protected)' {
        $said = Get-PgBackup -Store $script:store | Remove-PgBackup -WhatIf -ErrorVariable refused -ErrorAction SilentlyContinue 6>&1
        $said | Should -BeNullOrEmpty -Because '-WhatIf writes its "What if:" lines to the host, no objects'
        @($refused).Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike '*,BackupOps.Commands.RemovePgBackupCommand'
        $refused[0].Exception.Message | Should -Match ([regex]::Escape($script:second.BackupId))
        (Get-PgBackup -Store $script:store).Count | Should -Be 2
        Join-Path $script:store $script:first.DataKey | Should -Exist
    }

    It 'removes an older backup by id with -Confirm:$false, manifest and data' {
        $store = Join-Path $TestDrive 'remove'
        $old = Invoke-PgBackup -ConnectionString $script:url -Store $store
        $new = Invoke-PgBackup -ConnectionString $script:url -Store $store
        $removed = Get-PgBackup -Store $store | Where-Object BackupId -eq $old.BackupId | Remove-PgBackup -Confirm:$false
        $removed | Should -BeOfType 'BackupOps.BackupPruneResult'
        $removed.Removed | Should -BeTrue
        (Get-PgBackup -Store $store).BackupId | Should -Be $new.BackupId
        Join-Path $store $old.DataKey | Should -Not -Exist
        Join-Path $store $old.ManifestKey | Should -Not -Exist
    }

    It 'never removes the newest valid backup: BackupProtected' {
        $store = Join-Path $TestDrive 'protected'
        $only = Invoke-PgBackup -ConnectionString $script:url -Store $store
        $err = Get-CommandError { Remove-PgBackup -Store $store -BackupId $only.BackupId -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike '*,BackupOps.Commands.RemovePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Get-PgBackup -Store $store).BackupId | Should -Be $only.BackupId
    }

    It 'bad input: no retention given is RetentionMissing (InvalidArgument), naming -RetentionDays' {
        Remove-Item Env:BACKUP_RETENTION_DAYS -ErrorAction Ignore
        $err = Get-CommandError { Remove-PgBackup -Store $script:store -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'RetentionMissing,BackupOps.Commands.RemovePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '-RetentionDays'
        Assert-PowerShellMessage $err.Exception.Message
    }
}

Describe 'Cancellation through PowerShell.Stop()' {
    BeforeAll {
        $script:big = New-TestDatabase -Purpose 'cancel' -Events 5 -Attendees 5
        Add-TestDatabaseBytes -Database $script:big -Megabytes 96
    }

    It 'stops a backup to <Kind> promptly and leaves no backup, leftover or open multipart upload' -ForEach @(
        @{ Kind = 'a folder' }
        @{ Kind = 'S3' }
    ) {
        Set-TestS3Environment
        $bucket = $null
        $store = if ($Kind -eq 'S3') { $bucket = New-TestBucket 'cancel'; "s3://$bucket/pg" } else { Join-Path $TestDrive "cancel-$([guid]::NewGuid().ToString('N'))" }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $PSScriptRoot '../../BackupOps.psd1')).AddStatement()
            $null = $ps.AddCommand('Invoke-PgBackup').AddParameter('ConnectionString', (Get-TestPgUrl $script:big)).AddParameter('Store', $store).AddParameter('CompressionLevel', 0)
            $async = $ps.BeginInvoke()
            # Wait until data is flowing (a progress record with bytes), then stop mid-stream.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object StatusDescription -match 'MiB') -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $async.IsCompleted | Should -BeFalse -Because 'the backup must still be running when it is stopped'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            # Stop() returns once the pipeline stopped, while the batch's worker thread may still be finishing the
            # statement (it reads runspace variables): disposing under it crashes pwsh ("runspace is not in the Opened
            # state", seen 1 in 3 runs once cancellation also writes its run record). Wait for the invocation first.
            if ($async) { $null = $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) }
            $ps.Dispose()
        }

        Get-PgBackup -Store $store -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        # Named in the failure (key and reason), so a rare leftover says which cleanup it outran.
        @(Get-PgBackup -Store $store -Leftover | ForEach-Object { "$($_.Key): $($_.Reason)" }) | Should -BeNullOrEmpty
        if ($bucket) {
            Get-TestMultipartUploadCount $bucket | Should -Be 0
            @(Get-TestBucketKeys $bucket | Where-Object { $_ -notlike 'pg/runs/*' -and $_ -notlike 'runs/*' }) | Should -BeNullOrEmpty
        } else {
            @(Get-ChildItem $store -Recurse -File -ErrorAction Ignore | Where-Object FullName -notmatch '[/\\]runs[/\\]') | Should -BeNullOrEmpty
        }
    }
}
