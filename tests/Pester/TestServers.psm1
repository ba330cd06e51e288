<#
    The real servers the Pester suites use, as the test host (tests/BackupOps.PowerShell.Tests, PesterSuiteTests)
    started them: PostgreSQL 15, Ceph RGW and Redis 7 on 127.0.0.1, reached through BACKUPOPS_TEST_* variables.
    Everything here talks to the servers with their own clients (psql, curl with SigV4, redis-cli), never through
    BackupOps, so a test checks the module against an independent view. Secrets reach those clients through their
    environment or stdin, never their command line.
#>
Set-StrictMode -Version Latest

function Assert-TestEnvironment {
    foreach ($name in 'BACKUPOPS_TEST_PG_PORT', 'BACKUPOPS_TEST_S3_ENDPOINT', 'BACKUPOPS_TEST_REDIS_PORT') {
        if (-not [Environment]::GetEnvironmentVariable($name)) {
            throw "$name is not set: the Pester suites run against servers that the test host starts. Run them with ./test.sh, or: dotnet test tests/BackupOps.PowerShell.Tests --filter Pester"
        }
    }
}

Assert-TestEnvironment
$script:Created = [System.Collections.Generic.List[string]]::new()
$script:Counter = 0
# psql and the module both read PGPASSWORD; the URL carries no secret.
$env:PGPASSWORD = $env:BACKUPOPS_TEST_PG_PASSWORD

function Get-TestPgUrl([string] $Database = 'postgres') {
    "postgresql://$($env:BACKUPOPS_TEST_PG_USER)@$($env:BACKUPOPS_TEST_PG_HOST):$($env:BACKUPOPS_TEST_PG_PORT)/$Database"
}

function Get-TestPgCredential {
    [pscredential]::new($env:BACKUPOPS_TEST_PG_USER, (ConvertTo-SecureString $env:BACKUPOPS_TEST_PG_PASSWORD -AsPlainText -Force))
}

function Invoke-TestSql {
    param([Parameter(Mandatory)][string] $Database, [Parameter(Mandatory)][string] $Sql)
    $output = $Sql | & psql -X -q -A -t -v ON_ERROR_STOP=1 -h $env:BACKUPOPS_TEST_PG_HOST -p $env:BACKUPOPS_TEST_PG_PORT -U $env:BACKUPOPS_TEST_PG_USER -d $Database -f - 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql on $Database failed: $output" }
    $output
}

function New-TestDatabaseName([string] $Purpose) {
    "pester_$($Purpose)_$($PID)_$([System.Threading.Interlocked]::Increment([ref] $script:Counter))_$([guid]::NewGuid().ToString('N').Substring(0, 6))"
}

function New-TestDatabase {
    <# A small database shaped like the seed's (events, attendees, a view), with known row counts. #>
    param([Parameter(Mandatory)][string] $Purpose, [int] $Events = 50, [int] $Attendees = 400)
    $name = New-TestDatabaseName $Purpose
    Invoke-TestSql postgres "CREATE DATABASE `"$name`"" | Out-Null
    $script:Created.Add($name)
    Invoke-TestSql $name @"
CREATE TABLE events (id bigserial PRIMARY KEY, name text NOT NULL, starts_at timestamptz NOT NULL);
CREATE TABLE attendees (id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES events(id), email text NOT NULL);
CREATE VIEW event_attendance AS SELECT e.id, count(a.id) AS attendees FROM events e LEFT JOIN attendees a ON a.event_id = e.id GROUP BY e.id;
INSERT INTO events (name, starts_at) SELECT 'Event ' || g, timestamptz '2026-01-01' + g * interval '1 day' FROM generate_series(1, $Events) g;
INSERT INTO attendees (event_id, email) SELECT 1 + (g % $Events), 'person' || g || '@example.test' FROM generate_series(1, $Attendees) g;
ANALYZE;
"@ | Out-Null
    $name
}

function Add-TestDatabaseBytes {
    <# Incompressible rows, so a backup is big enough to be slow and go multipart. #>
    param([Parameter(Mandatory)][string] $Database, [int] $Megabytes = 8)
    Invoke-TestSql $Database "CREATE TABLE IF NOT EXISTS blobs (id serial PRIMARY KEY, data bytea NOT NULL); INSERT INTO blobs (data) SELECT decode(string_agg(md5(random()::text || g || s), ''), 'hex') FROM generate_series(1, $($Megabytes * 16)) g, generate_series(1, 4096) s GROUP BY g;" | Out-Null
}

function Register-TestDatabase([string] $Name) { $script:Created.Add($Name) }

function Test-TestDatabase([string] $Name) {
    [bool](Invoke-TestSql postgres "SELECT 1 FROM pg_database WHERE datname = '$Name'")
}

function Get-TestDatabaseNames([string] $Like) {
    @(Invoke-TestSql postgres "SELECT datname FROM pg_database WHERE datname LIKE '$Like' ORDER BY 1" | Where-Object { $_ })
}

function Remove-TestDatabases {
    <# Drops every database this session created, and any restore target registered. #>
    foreach ($name in $script:Created) {
        Invoke-TestSql postgres "DROP DATABASE IF EXISTS `"$name`" WITH (FORCE)" | Out-Null
    }
    $script:Created.Clear()
}

function Set-TestS3Environment {
    <# The AWS variables the module reads by default, pointing at the test RGW (a generic S3 server). #>
    $env:AWS_ENDPOINT_URL = $env:BACKUPOPS_TEST_S3_ENDPOINT
    $env:AWS_ACCESS_KEY_ID = $env:BACKUPOPS_TEST_S3_ACCESS_KEY
    $env:AWS_SECRET_ACCESS_KEY = $env:BACKUPOPS_TEST_S3_SECRET_KEY
    $env:AWS_REGION = $env:BACKUPOPS_TEST_S3_REGION
    $env:BACKUPOPS_S3_PROVIDER = 'generic'
}

function Get-TestS3Credential {
    [pscredential]::new($env:BACKUPOPS_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString $env:BACKUPOPS_TEST_S3_SECRET_KEY -AsPlainText -Force))
}

function Invoke-TestS3 {
    <# One S3 request signed with SigV4 by curl; the keys go to curl on stdin. Returns the body; throws on HTTP >= 300. #>
    param([string] $Method = 'GET', [Parameter(Mandatory)][string] $Path, [string] $Body, [hashtable] $Header = @{})
    $arguments = @('-sS', '-K', '-', '--aws-sigv4', "aws:amz:$($env:BACKUPOPS_TEST_S3_REGION):s3", '-X', $Method, '-w', '\n%{http_code}')
    foreach ($name in $Header.Keys) { $arguments += @('-H', "$($name): $($Header[$name])") }
    $bodyFile = $null
    if ($PSBoundParameters.ContainsKey('Body')) {
        $bodyFile = [System.IO.Path]::GetTempFileName()
        [System.IO.File]::WriteAllText($bodyFile, $Body)
        $hash = (Get-FileHash -Algorithm SHA256 $bodyFile).Hash.ToLowerInvariant()
        $arguments += @('--data-binary', "@$bodyFile", '-H', "x-amz-content-sha256: $hash")
    } else {
        $arguments += @('-H', 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    }
    try {
        $output = "user = `"$($env:BACKUPOPS_TEST_S3_ACCESS_KEY):$($env:BACKUPOPS_TEST_S3_SECRET_KEY)`"" | & curl @arguments "$($env:BACKUPOPS_TEST_S3_ENDPOINT)/$Path"
    } finally {
        if ($bodyFile) { Remove-Item $bodyFile }
    }
    $lines = @($output)
    $status = [int]$lines[-1]
    $text = ($lines | Select-Object -SkipLast 1) -join "`n"
    if ($status -ge 300) { throw "S3 $Method /$Path answered $status`: $text" }
    $text
}

function New-TestBucket([string] $Purpose) {
    $name = "pester-$Purpose-$PID-$([System.Threading.Interlocked]::Increment([ref] $script:Counter))".ToLowerInvariant()
    Invoke-TestS3 -Method PUT -Path $name | Out-Null
    $name
}

function New-TestLockedBucket([string] $Purpose) {
    <# A bucket with S3 Object Lock enabled (and so versioning). Locked objects stay: left to the RGW teardown. #>
    $name = "pester-$Purpose-$PID-$([System.Threading.Interlocked]::Increment([ref] $script:Counter))".ToLowerInvariant()
    Invoke-TestS3 -Method PUT -Path $name -Header @{ 'x-amz-bucket-object-lock-enabled' = 'true' } | Out-Null
    $name
}

function Get-TestObjectVersions([string] $Bucket) {
    <# Every version and delete marker in the bucket: Key, VersionId, IsDeleteMarker. #>
    [xml] $list = Invoke-TestS3 -Path "$Bucket`?versions="
    @($list.ListVersionsResult.ChildNodes | Where-Object LocalName -in 'Version', 'DeleteMarker' | ForEach-Object {
        [pscustomobject]@{ Key = $_.Key; VersionId = $_.VersionId; IsDeleteMarker = $_.LocalName -eq 'DeleteMarker' }
    })
}

function Write-TestObject([string] $Bucket, [string] $Key, [string] $Content, [string] $Sha256) {
    <# -Sha256 sets x-amz-meta-sha256, the reference Test-R2Object trusts first (a wrong one simulates a changed object). #>
    $header = if ($Sha256) { @{ 'x-amz-meta-sha256' = $Sha256 } } else { @{} }
    Invoke-TestS3 -Method PUT -Path "$Bucket/$Key" -Body $Content -Header $header | Out-Null
}

function Invoke-TestObjectFile {
    <# Downloads (-Download) or uploads an object through a file, byte for byte (Invoke-TestS3 bodies are text). #>
    param([string] $Bucket, [string] $Key, [string] $Path, [switch] $Download)
    $arguments = @('-sS', '-f', '-K', '-', '--aws-sigv4', "aws:amz:$($env:BACKUPOPS_TEST_S3_REGION):s3")
    if ($Download) {
        $arguments += @('-o', $Path, '-H', 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    } else {
        $arguments += @('-X', 'PUT', '--data-binary', "@$Path", '-H', "x-amz-content-sha256: $((Get-FileHash -Algorithm SHA256 $Path).Hash.ToLowerInvariant())")
    }
    "user = `"$($env:BACKUPOPS_TEST_S3_ACCESS_KEY):$($env:BACKUPOPS_TEST_S3_SECRET_KEY)`"" | & curl @arguments "$($env:BACKUPOPS_TEST_S3_ENDPOINT)/$Bucket/$Key" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "curl $(if ($Download) { 'GET' } else { 'PUT' }) $Bucket/$Key failed ($LASTEXITCODE)" }
}

function Invoke-TestBitFlip {
    <# Flips one bit in the middle of a file: same size, different SHA-256 (bit rot). #>
    param([string] $Path)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $middle = [int]($bytes.Length / 2)
    $bytes[$middle] = $bytes[$middle] -bxor 0x10
    [System.IO.File]::WriteAllBytes($Path, $bytes)
}

function Get-TestBucketKeys([string] $Bucket) {
    [xml] $list = Invoke-TestS3 -Path "$Bucket`?list-type=2"
    @($list.ListBucketResult.ChildNodes | Where-Object LocalName -eq 'Contents' | ForEach-Object { $_.Key })
}

function Get-TestS3LogPosition {
    <# Where the test RGW's request log ends now: Get-TestS3Requests counts from here. #>
    if (-not $env:BACKUPOPS_TEST_S3_REQUEST_LOG) { throw 'BACKUPOPS_TEST_S3_REQUEST_LOG is not set: request counts come from the log of the RGW the test host starts (tests/servers/rgw.sh), not from an external S3 server.' }
    (Get-Item $env:BACKUPOPS_TEST_S3_REQUEST_LOG).Length
}

function Get-TestS3Requests {
    <#
        The requests ("GET /bucket/key") the RGW logged for -Bucket since -Since (Get-TestS3LogPosition): its own record of
        what a client asked. Ceph writes the log a moment after each request, so a marker request of ours goes last and
        the log is read once the marker's line is in it: everything that finished before is there too (no sleeps).
    #>
    param([Parameter(Mandatory)][string] $Bucket, [Parameter(Mandatory)][long] $Since)
    $marker = "request-log-marker-$([guid]::NewGuid().ToString('N'))"
    try { Invoke-TestS3 -Path "$Bucket/$marker" | Out-Null } catch { <# 404, as meant: it is logged all the same #> }
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ($true) {
        $stream = [System.IO.FileStream]::new($env:BACKUPOPS_TEST_S3_REQUEST_LOG, 'Open', 'Read', 'ReadWrite')
        try {
            $null = $stream.Seek($Since, 'Begin')
            $text = [System.IO.StreamReader]::new($stream).ReadToEnd()
        } finally {
            $stream.Dispose()
        }
        if ($text.Contains($marker)) { break }
        if ([datetime]::UtcNow -gt $deadline) { throw "The RGW log did not show the marker request within 30 s." }
        Start-Sleep -Milliseconds 50
    }
    @([regex]::Matches($text, '"(?<method>[A-Z]+) (?<path>/' + [regex]::Escape($Bucket) + '/\S*) HTTP/1\.1"') |
        Where-Object { -not $_.Groups['path'].Value.Contains($marker) } |
        ForEach-Object { "$($_.Groups['method'].Value) $($_.Groups['path'].Value)" })
}

function Get-TestS3ManifestGetCount([string] $Bucket, [long] $Since) {
    @(Get-TestS3Requests -Bucket $Bucket -Since $Since | Where-Object { $_ -like 'GET *' -and $_.Split('?')[0].EndsWith('.manifest.json') }).Count
}

function Get-TestMultipartUploadCount([string] $Bucket) {
    [xml] $list = Invoke-TestS3 -Path "$Bucket`?uploads="
    @($list.ListMultipartUploadsResult.ChildNodes | Where-Object LocalName -eq 'Upload').Count
}

function Get-TestRedisUrl { "redis://127.0.0.1:$($env:BACKUPOPS_TEST_REDIS_PORT)" }

function Get-TestRedisCredential {
    [pscredential]::new('default', (ConvertTo-SecureString $env:BACKUPOPS_TEST_REDIS_PASSWORD -AsPlainText -Force))
}

function Invoke-TestRedis {
    <# redis-cli against the test server; the password goes through REDISCLI_AUTH, never the command line. #>
    $env:REDISCLI_AUTH = $env:BACKUPOPS_TEST_REDIS_PASSWORD
    try {
        $output = & redis-cli -h 127.0.0.1 -p $env:BACKUPOPS_TEST_REDIS_PORT @args
        if ($LASTEXITCODE -ne 0) { throw "redis-cli $args failed: $output" }
        $output
    } finally {
        Remove-Item Env:REDISCLI_AUTH
    }
}

function New-TestRedisData {
    <# A queue and some keys in databases 0 and 1. #>
    Invoke-TestRedis FLUSHALL | Out-Null
    Invoke-TestRedis RPUSH 'queue:emails' @(1..25 | ForEach-Object { "mail-$_" }) | Out-Null
    Invoke-TestRedis MSET 'session:a' 'one' 'session:b' 'two' 'config:flag' 'on' | Out-Null
    Invoke-TestRedis -n 1 SET 'cache:x' 'x' | Out-Null
}

function Get-CommandError {
    <#
        Runs the script block and returns the first error it wrote or threw (run the cmdlet with -ErrorAction Stop),
        or throws when it wrote none: a bad-input test must fail when the cmdlet accepts the input.
    #>
    param([Parameter(Mandatory)][scriptblock] $Script)
    try {
        & $Script | Out-Null
    } catch {
        return $_
    }
    throw "expected an error from { $Script }, but it succeeded"
}

function Assert-PowerShellMessage {
    <# Errors in cmdlets name PowerShell parameters and cmdlets, never CLI flags or commands. #>
    param([Parameter(Mandatory)][string] $Message)
    if ($Message -match '(?<![\w-])--[a-z][a-z0-9-]+' -or $Message -match '\bbackupops (pg|r2|redis|drill|status|schedule)\b') {
        throw "The message names a CLI flag or command instead of the PowerShell parameter: $Message"
    }
}

Export-ModuleMember -Function *
