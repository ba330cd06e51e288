<#
    A drill definition over real servers, made with the BackupOps cmdlets: a seeded database backed up to RGW,
    a bucket of sample objects with its lifecycle from a template, and a Redis snapshot with a queue. Used by
    Invoke-PesterSuites.ps1 (the drill checklist in CI) and Drill.Tests.ps1 (each component broken in turn).
#>
Import-Module (Join-Path $PSScriptRoot 'TestServers.psm1')
Import-Module (Join-Path $PSScriptRoot '../../BackupOps.psd1')

function New-DrillFixture {
    param([Parameter(Mandatory)][string] $Directory)
    New-Item -ItemType Directory -Force -Path $Directory | Out-Null
    Set-TestS3Environment
    $database = New-TestDatabase -Purpose 'drill'
    $backups = New-TestBucket 'drill-backups'
    $store = "s3://$backups/pg"
    Invoke-PgBackup -ConnectionString (Get-TestPgUrl $database) -Store $store -CriticalTable attendees | Out-Null

    $assets = New-TestBucket 'drill-assets'
    foreach ($i in 1..5) { Write-TestObject $assets "sample/receipt-$i.txt" "receipt $i" }
    $template = Join-Path $Directory 'lifecycle.json'
    @{ version = 1; buckets = @(@{ bucket = $assets; rules = @(@{ name = 'receipts'; prefix = 'sample/'; phases = @(@{ afterDays = 30; storageClass = 'InfrequentAccess' }); expirationDays = 540 }) }) } |
        ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $template
    Set-R2Lifecycle -Bucket $assets -Template $template -S3Provider Generic -Confirm:$false -Force | Out-Null

    New-TestRedisData
    $redisStore = Join-Path $Directory 'redis-store'
    Invoke-RedisSnapshot -Server (Get-TestRedisUrl) -Credential (Get-TestRedisCredential) -Store $redisStore -Source 'queues' | Out-Null

    $definition = Join-Path $Directory 'drill.json'
    @{
        version         = 1
        environment     = 'pester'
        targets         = @{ rtoMinutes = 60; rpoMinutes = 1560 }
        logPath         = './drill-log.md'
        reportDirectory = './drill-reports'
        databases       = @(@{ name = $database; store = $store; criticalTables = @('attendees'); smokeQueries = @('SELECT count(*) FROM attendees => = 400') })
        objectStores    = @(@{ bucket = $assets; prefixes = @('sample/'); sampleSize = 5; lifecycleTemplate = $template; provider = 'generic' })
        redis           = @(@{ source = 'queues'; store = $redisStore; queues = @('queue:emails=20..30'); expectKeys = @('config:flag') })
    } | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $definition
    $definition
}

function Remove-DrillFixture([string] $Definition) {
    Remove-TestDatabases
    Remove-Item -Recurse -Force -LiteralPath (Split-Path $Definition) -ErrorAction Ignore
}
