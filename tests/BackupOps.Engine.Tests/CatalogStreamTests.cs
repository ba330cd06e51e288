using System.Globalization;
using Amazon.S3.Model;
using BackupOps.Engine.Backup;
using BackupOps.Engine.Catalog;
using BackupOps.Engine.Manifest;
using BackupOps.Engine.Stores;
using BackupOps.Engine.Tests.Servers;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>
/// The lazily read catalog (issue #16, full listings page lazily) on the real RGW, with 60 stored backups: a limit
/// reads only the manifests of the rows it returns, the first row comes before the rest are read, a bound on time
/// stops at the first older backup, and a caller that stops or cancels mid-listing leaves no read running. Manifest
/// reads are counted by <see cref="CountingStore"/> over the real S3 store.
/// </summary>
public sealed class CatalogStreamTests
{
    private const int Stored = 60;

    [Fact]
    public async Task A_limit_of_5_returns_the_5_newest_and_reads_only_their_5_manifests()
    {
        var catalog = await CopiedCatalog.CreateAsync("stream-limit", Stored);
        await using var store = new CountingStore(catalog.Open());

        var rows = await CollectAsync(BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter { Limit = 5 }, default));

        Assert.Equal(catalog.IdsNewestFirst.Take(5), rows.Where(r => r.Backup is not null).Select(r => r.Backup!.BackupId));
        Assert.Equal(5, store.ManifestReads);
        Assert.DoesNotContain(rows, r => r.Leftover is not null || r.Anomaly is not null);
    }

    [Fact]
    public async Task The_first_row_comes_before_all_manifests_are_read_and_the_whole_stream_agrees_with_the_full_listing()
    {
        var catalog = await CopiedCatalog.CreateAsync("stream-first", Stored);
        await using var store = new CountingStore(catalog.Open());

        var readsAtFirstRow = -1;
        var ids = new List<string>();
        await foreach (var row in BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter(), default))
        {
            if (row.Backup is not null)
            {
                readsAtFirstRow = readsAtFirstRow < 0 ? store.ManifestReads : readsAtFirstRow;
                ids.Add(row.Backup.BackupId);
            }
        }

        // The window of reads ahead is 8: the first row is out while 52 manifests are still unread.
        Assert.InRange(readsAtFirstRow, 1, 8);
        Assert.Equal(Stored, store.ManifestReads);
        Assert.Equal(catalog.IdsNewestFirst, ids);
        var listing = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(ids, listing.Backups.Select(b => b.BackupId));
    }

    [Fact]
    public async Task Since_stops_reading_at_the_first_backup_older_than_the_bound()
    {
        var catalog = await CopiedCatalog.CreateAsync("stream-since", Stored);
        await using var store = new CountingStore(catalog.Open());
        var tenth = BackupKeys.StartedUtcOf(catalog.IdsNewestFirst[9])!.Value;

        var rows = await CollectAsync(BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter(Since: tenth), default));

        Assert.Equal(catalog.IdsNewestFirst.Take(10), rows.Where(r => r.Backup is not null).Select(r => r.Backup!.BackupId));
        Assert.Equal(10, store.ManifestReads);
    }

    [Fact]
    public async Task Cancelling_mid_listing_stops_the_reads_and_none_is_left_running()
    {
        var catalog = await CopiedCatalog.CreateAsync("stream-cancel", Stored);
        await using var store = new CountingStore(catalog.Open());
        using var cancellation = new CancellationTokenSource();
        var taken = 0;

        var stopped = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var row in BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter(), cancellation.Token))
            {
                if (row.Backup is not null && ++taken == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.NotNull(stopped);
        Assert.Equal(3, taken);
        Assert.Equal(0, store.ManifestReadsInFlight);
        Assert.InRange(store.ManifestReads, 3, 3 + 8);
        var afterStop = store.ManifestReads;

        // A consumer that just stops taking rows (break, Select-Object -First) disposes the enumeration: the same.
        store.ManifestReads = 0;
        await foreach (var row in BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter(), default))
        {
            if (row.Backup is not null)
            {
                break;
            }
        }

        Assert.Equal(0, store.ManifestReadsInFlight);
        Assert.InRange(store.ManifestReads, 1, 8);
        Assert.True(afterStop < Stored, $"{afterStop} manifests were read after the listing was cancelled at the third row");
    }

    [Fact]
    public async Task A_limited_listing_still_reports_what_the_keys_show_and_the_full_one_judges_like_before()
    {
        var catalog = await CopiedCatalog.CreateAsync("stream-leftovers", 12);
        using var client = S3TestServer.Shared.CreateClient();
        // An old backup's manifest is damaged (not JSON), another old one lost its data, and a killed backup left data only.
        var damaged = catalog.IdsNewestFirst[^1];
        var dataless = catalog.IdsNewestFirst[^2];
        await client.PutObjectAsync(new PutObjectRequest { BucketName = catalog.Bucket, Key = catalog.Root + BackupKeys.ManifestKey(catalog.Database, damaged), ContentBody = "{ truncated" });
        await client.DeleteObjectAsync(catalog.Bucket, catalog.Root + catalog.DataKeyOf(dataless));
        var orphan = catalog.DataKeyOf("20200101T000000000Z-abcdef");
        await client.PutObjectAsync(new PutObjectRequest { BucketName = catalog.Bucket, Key = catalog.Root + orphan, ContentBody = "left by a killed backup" });
        await using var store = new CountingStore(catalog.Open());

        var limited = await CollectAsync(BackupCatalog.StreamAsync<BackupManifest>(store, BackupKind.Postgres, new BackupCatalog.Filter { Limit = 2 }, default));
        Assert.Equal(2, store.ManifestReads);
        Assert.Equal(catalog.IdsNewestFirst.Take(2), limited.Where(r => r.Backup is not null).Select(r => r.Backup!.BackupId));
        Assert.Equal(
            new[] { BackupKeys.ManifestKey(catalog.Database, dataless), orphan }.Order(StringComparer.Ordinal),
            limited.Where(r => r.Leftover is not null).Select(r => r.Leftover!.Key).Order(StringComparer.Ordinal));

        var full = await BackupCatalog.ListAsync(store, new BackupCatalog.Filter(), default);
        Assert.Equal(catalog.IdsNewestFirst.Take(10), full.Backups.Select(b => b.BackupId));
        Assert.Equal(
            new[] { BackupKeys.ManifestKey(catalog.Database, damaged), catalog.DataKeyOf(damaged), BackupKeys.ManifestKey(catalog.Database, dataless), orphan }.Order(StringComparer.Ordinal),
            full.Leftovers.Select(l => l.Key));
        Assert.Contains(full.Leftovers, l => l.Key == BackupKeys.ManifestKey(catalog.Database, damaged) && l.Reason.Contains("not valid JSON", StringComparison.Ordinal));
    }

    private static async Task<List<CatalogItem<BackupManifest>>> CollectAsync(IAsyncEnumerable<CatalogItem<BackupManifest>> rows)
    {
        var list = new List<CatalogItem<BackupManifest>>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }
}

/// <summary>
/// A catalog of many real backups on the RGW made fast, as the benchmark makes its catalogs: one real backup of a tiny
/// database, then its data object copied server-side under new ids a quarter of an hour apart and its manifest
/// rewritten for each id and start time. Every copy is a valid backup (data and SHA-256 unchanged).
/// </summary>
internal sealed record CopiedCatalog(string Bucket, string Root, string Database, IReadOnlyList<string> IdsNewestFirst, string DataSuffix)
{
    public string Store => $"s3://{Bucket}/{Root.TrimEnd('/')}";

    public IBackupStore Open() => StoreLocation.Open(Store, S3TestServer.Shared.Options);

    public string DataKeyOf(string id) => BackupKeys.DatabasePrefix(Database) + id + DataSuffix;

    public static async Task<CopiedCatalog> CreateAsync(string purpose, int count)
    {
        var s3 = S3TestServer.Shared;
        var pg = PostgresServer.Shared;
        var bucket = await s3.CreateBucketAsync(purpose);
        var database = await pg.CreateDatabaseAsync(purpose.Replace('-', '_'));
        await pg.ExecuteAsync(database, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)");
        var seed = await PgBackupEngine.RunAsync(new PgBackupRequest { Connection = pg.Settings(database), Store = $"s3://{bucket}/seed", S3 = s3.Options }, null, default);
        var dataSuffix = seed.Manifest.DataKey[(BackupKeys.DatabasePrefix(database).Length + seed.BackupId.Length)..];
        using var client = s3.CreateClient();
        var start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, count).Select(i => BackupKeys.NewBackupId(start.AddMinutes(15 * i))).ToList();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var manifest = seed.Manifest with { BackupId = id, StartedUtc = start.AddMinutes(15 * i), DataKey = BackupKeys.DatabasePrefix(database) + id + dataSuffix };
                await client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "seed/" + seed.Manifest.DataKey, DestinationBucket = bucket, DestinationKey = "c/" + manifest.DataKey });
                await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "c/" + BackupKeys.ManifestKey(database, id), InputStream = new MemoryStream(ManifestSerializer.Serialize(manifest)) });
            }
            finally
            {
                gate.Release();
            }
        }));

        return new CopiedCatalog(bucket, "c/", database, [.. ids.AsEnumerable().Reverse()], dataSuffix);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{IdsNewestFirst.Count} backups in {Store}");
}
