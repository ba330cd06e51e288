#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7' }
<#
    Authenticated backups from PowerShell, in real pwsh against the real PostgreSQL 15 the test host started:
    New-BackupSigningKey (0600 private key, fingerprint out, -WhatIf writes nothing), a signed Invoke-PgBackup, and
    Restore-PgBackup -TrustedKey refusing a replaced dump with a re-hashed manifest before the target exists.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1') -Force
    $script:database = New-TestDatabase -Purpose 'sign'
    $script:url = Get-TestPgUrl $script:database
    $script:server = Get-TestPgUrl
    $script:store = Join-Path $TestDrive 'signed'
    $script:keys = Join-Path $TestDrive 'keys'
    $script:key = New-BackupSigningKey -Path $script:keys -Confirm:$false
    $script:backup = Invoke-PgBackup -ConnectionString $script:url -Store $script:store -SigningKey $script:key.PrivateKeyPath
}

AfterAll {
    Remove-TestDatabases
}

Describe 'New-BackupSigningKey' {
    It 'writes a 0600 PEM private key and a public key, and outputs only paths and the fingerprint' {
        $script:key | Should -BeOfType 'BackupOps.BackupSigningKey'
        $script:key.Fingerprint | Should -Match '^sha256:[0-9a-f]{64}$'
        (Get-Item $script:key.PrivateKeyPath).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        Get-Content -Raw $script:key.PrivateKeyPath | Should -Match '^-----BEGIN PRIVATE KEY-----'
        Get-Content -Raw $script:key.PublicKeyPath | Should -Match '^-----BEGIN PUBLIC KEY-----'
        ($script:key | Out-String) | Should -Not -Match 'PRIVATE KEY-----'
    }

    It '-WhatIf writes nothing, and an existing key is never overwritten' {
        $elsewhere = Join-Path $TestDrive 'whatif-keys'
        New-BackupSigningKey -Path $elsewhere -WhatIf | Should -BeNullOrEmpty
        Join-Path $elsewhere 'backupops-signing.key' | Should -Not -Exist

        $before = Get-Content -Raw $script:key.PrivateKeyPath
        $err = Get-CommandError { New-BackupSigningKey -Path $script:keys -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'SigningKeyExists,BackupOps.Commands.NewBackupSigningKeyCommand'
        Assert-PowerShellMessage $err.Exception.Message
        Get-Content -Raw $script:key.PrivateKeyPath | Should -Be $before
    }
}

Describe 'Signed Invoke-PgBackup and Restore-PgBackup -TrustedKey' {
    It 'signs the manifest: the .sig sits beside it and the output names the key' {
        $script:backup.SigningKey | Should -Be $script:key.Fingerprint
        Join-Path $script:store ($script:backup.ManifestKey + '.sig') | Should -Exist
        (Get-PgBackup -Store $script:store -Database $script:database).SigningKey | Should -Be $script:key.Fingerprint
    }

    It 'restores with the trusted key and reports the signature as verified' {
        $target = New-TestDatabaseName 'sign_ok'
        Register-TestDatabase $target
        $result = Get-PgBackup -Store $script:store -Database $script:database -Latest | Restore-PgBackup -ConnectionString $script:server -TargetDatabase $target -TrustedKey $script:key.PublicKeyPath
        $result.Succeeded | Should -BeTrue
        $signature = $result.Checks | Where-Object Name -eq 'signature'
        $signature.Outcome | Should -Be 'Passed'
        $signature.Detail | Should -Be "signature verified (key $($script:key.Fingerprint))"
        Invoke-TestSql $target 'SELECT count(*) FROM attendees' | Should -Be 400
    }

    It 'refuses a key file others can read, with the fix, before backing up' {
        $loose = Join-Path $TestDrive 'loose.key'
        Copy-Item $script:key.PrivateKeyPath $loose
        [System.IO.File]::SetUnixFileMode($loose, [System.IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')
        $err = Get-CommandError { Invoke-PgBackup -ConnectionString $script:url -Store (Join-Path $TestDrive 'never') -SigningKey $loose -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'SigningKeyNotPrivate,BackupOps.Commands.InvokePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'chmod 600'
        Assert-PowerShellMessage $err.Exception.Message
        Join-Path $TestDrive 'never/pg' | Should -Not -Exist
    }

    It 'refuses a replaced dump with a re-hashed manifest before the target exists (issue 13, Found 6)' {
        # The attacker's dump of their own database, copied over the signed backup's data; the manifest re-hashed.
        $attacker = New-TestDatabase -Purpose 'sign_attacker' -Attendees 400
        Invoke-TestSql $attacker "UPDATE attendees SET email = 'attacker@example.test'" | Out-Null
        $theirs = Invoke-PgBackup -ConnectionString (Get-TestPgUrl $attacker) -Store (Join-Path $TestDrive 'attacker')
        $tampered = Join-Path $TestDrive 'tampered'
        Copy-Item -Recurse $script:store $tampered
        $manifestPath = Join-Path $tampered $script:backup.ManifestKey
        Copy-Item (Join-Path $TestDrive "attacker/$($theirs.DataKey)") (Join-Path $tampered $script:backup.DataKey) -Force
        $manifest = Get-Content -Raw $manifestPath | ConvertFrom-Json
        $manifest.sha256 = $theirs.Sha256
        $manifest.sizeBytes = $theirs.SizeBytes
        $manifest | ConvertTo-Json -Depth 20 | Set-Content -NoNewline $manifestPath

        $target = New-TestDatabaseName 'sign_refused'
        Register-TestDatabase $target
        $err = Get-CommandError { Restore-PgBackup -ConnectionString $script:server -Store $tampered -BackupId $script:backup.BackupId -TargetDatabase $target -TrustedKey $script:key.PublicKeyPath -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'BackupSignatureInvalid,BackupOps.Commands.RestorePgBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Assert-PowerShellMessage $err.Exception.Message
        $err.Exception.Message | Should -Not -Match 'PRIVATE KEY'
        Test-TestDatabase $target | Should -BeFalse

        # An unsigned backup is refused the same way when a signature is required.
        $unsigned = Join-Path $TestDrive 'unsigned'
        $plain = Invoke-PgBackup -ConnectionString $script:url -Store $unsigned
        $plain.SigningKey | Should -BeNullOrEmpty
        $err = Get-CommandError { Restore-PgBackup -ConnectionString $script:server -Store $unsigned -BackupId $plain.BackupId -TargetDatabase $target -TrustedKey $script:key.PublicKeyPath -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Be 'BackupSignatureMissing,BackupOps.Commands.RestorePgBackupCommand'
        Test-TestDatabase $target | Should -BeFalse
    }
}

Describe 'Get-BackupStatus -TrustedKey' {
    It 'is Healthy for a signed store, and Failing with BackupSignatureMissing once a store writer adds a newer unsigned backup' {
        $signed = Join-Path $TestDrive 'status-signed'
        $first = Invoke-PgBackup -ConnectionString $script:url -Store $signed -SigningKey $script:key.PrivateKeyPath
        $runs = Join-Path $signed "runs/postgresql/$($script:database)"
        $record = Get-ChildItem $runs -Filter '*-backup-success.json' | Select-Object -First 1
        "$($record.FullName).sig" | Should -Exist

        $status = Get-BackupStatus -Store $signed -TrustedKey $script:key.PublicKeyPath -WarningVariable warnings
        $status | Should -BeOfType 'BackupOps.BackupStatus'
        $status.Status | Should -Be 'Healthy'
        $status.NewestBackupId | Should -Be $first.BackupId
        $warnings | Should -BeNullOrEmpty

        # A store writer: an unsigned failure record of a newer run (ignored, with a warning that counts it)...
        $forgedId = (Get-Date).ToUniversalTime().ToString("yyyyMMdd'T'HHmmssfff'Z'", [cultureinfo]::InvariantCulture) + '-f0f0f0'
        @{ formatVersion = 1; kind = 'postgresql'; source = $script:database; operation = 'backup'; outcome = 'failure'; runId = $forgedId
           startedUtc = (Get-Date).ToUniversalTime().ToString('o'); completedUtc = (Get-Date).ToUniversalTime().ToString('o'); errorId = 'ForgedFailure'; error = 'forged' } |
            ConvertTo-Json | Set-Content (Join-Path $runs "$forgedId-backup-failure.json")
        $status = Get-BackupStatus -Store $signed -TrustedKey $script:key.PublicKeyPath -WarningVariable warnings 3>$null
        $status.Status | Should -Be 'Healthy'
        "$warnings" | Should -Match '1 unsigned run record ignored'
        (Get-BackupStatus -Store $signed).Status | Should -Be 'Failing' # without a key the forged record counts, as documented

        # ... and a newer unsigned backup: Failing with the signature id, with the key; Healthy without one (documented).
        Start-Sleep -Milliseconds 1100
        Invoke-PgBackup -ConnectionString $script:url -Store $signed | Out-Null
        $forged = Get-BackupStatus -Store $signed -TrustedKey $script:key.PublicKeyPath 3>$null
        $forged.Status | Should -Be 'Failing'
        $forged.Reason | Should -Match '\[BackupSignatureMissing\]'
        (Get-BackupStatus -Store $signed).Status | Should -Be 'Healthy'
    }
}
