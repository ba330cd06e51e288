using System.Text.Json;
using System.Text.Json.Serialization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Serialization;

namespace BackupOps.Engine.Drill;

/// <summary>The drill definition file (docs/drill.md): what the monthly drill restores and checks, and its targets.</summary>
public sealed record DrillConfig
{
    /// <summary>Format version (1).</summary>
    public int Version { get; set; } = 1;

    /// <summary>Environment name for the log and reports.</summary>
    public string Environment { get; set; } = "staging";

    /// <summary>RTO, RPO and backup age targets.</summary>
    public DrillTargets Targets { get; set; } = new();

    /// <summary>Markdown drill log the outcome is appended to.</summary>
    public string LogPath { get; set; } = "./drill-log.md";

    /// <summary>Folder for the JSON and JUnit reports.</summary>
    public string ReportDirectory { get; set; } = "./drill-reports";

    /// <summary>Databases to restore into a disposable PostgreSQL.</summary>
    public IReadOnlyList<DrillDatabase> Databases { get; set; } = [];

    /// <summary>Buckets to sample and whose lifecycle to compare.</summary>
    public IReadOnlyList<DrillObjectStore> ObjectStores { get; set; } = [];

    /// <summary>Redis sources whose latest snapshot to restore into a sandbox.</summary>
    public IReadOnlyList<DrillRedis> Redis { get; set; } = [];

    /// <summary>Clusters to recover to the latest archived WAL (base backup plus archive) in a disposable server.</summary>
    public IReadOnlyList<DrillPitr> Pitr { get; set; } = [];

    private static readonly JsonSerializerOptions Options = EngineJson.WithContext(new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    });

    /// <summary>Reads and checks a drill file; problems are errors naming the file and the fix.</summary>
    public static DrillConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw BackupOpsException.InvalidInput("DrillConfigMissing", $"The drill file '{Security.BoundedInput.Shown(path, 200)}' does not exist. Write a starting point with New-DrDrillConfig / backupops drill init.");
        }

        DrillConfig config;
        try
        {
            config = JsonSerializer.Deserialize(Security.BoundedInput.ReadDefinition(path, "drill file", "DrillConfigInvalid"), Options.Info<DrillConfig>()) ?? throw new JsonException("empty file");
        }
        catch (JsonException ex)
        {
            throw BackupOpsException.InvalidInput("DrillConfigInvalid", $"The drill file '{path}' is not valid: {Security.BoundedInput.Shown(ex.Message, 300)} See docs/drill.md.");
        }

        if (config.Version != 1)
        {
            throw BackupOpsException.InvalidInput("DrillConfigInvalid", $"The drill file '{path}' has version {config.Version}; this BackupOps reads version 1.");
        }

        if (config.Databases.Count + config.ObjectStores.Count + config.Redis.Count + config.Pitr.Count == 0)
        {
            throw BackupOpsException.InvalidInput("DrillConfigEmpty", $"The drill file '{path}' names no databases, object stores or Redis sources: there is nothing to drill.");
        }

        // NaN fails both comparisons; ten years is more than any target and far from TimeSpan's limit.
        const double longestTargetMinutes = 10 * 366 * 24 * 60;
        if (!(config.Targets.RtoMinutes > 0 && config.Targets.RtoMinutes <= longestTargetMinutes && config.Targets.RpoMinutes > 0 && config.Targets.RpoMinutes <= longestTargetMinutes))
        {
            throw BackupOpsException.InvalidInput("DrillTargetsInvalid", $"RTO and RPO targets in '{path}' must be positive minutes, at most ten years (the seed: RTO 60, RPO 15 with WAL archiving, 1560 = 26 h without).");
        }

        // Checked now, not after the drill has run: where its records go.
        if (Directory.Exists(config.LogPath) || (File.Exists(config.LogPath) && (File.GetAttributes(config.LogPath) & FileAttributes.Device) != 0) || config.LogPath.StartsWith("/dev/", StringComparison.Ordinal))
        {
            throw BackupOpsException.InvalidInput("DrillConfigInvalid", $"logPath '{Security.BoundedInput.Shown(config.LogPath)}' in '{path}' is a folder or a device; give the Markdown file the drill log goes to (for instance ./drill-log.md).");
        }

        if (File.Exists(config.ReportDirectory))
        {
            throw BackupOpsException.InvalidInput("DrillConfigInvalid", $"reportDirectory '{Security.BoundedInput.Shown(config.ReportDirectory)}' in '{path}' is a file; give a folder for the JSON and JUnit reports (for instance ./drill-reports).");
        }

        DrillDefinitionChecks.Check(config, path);
        return config;
    }

    /// <summary>Serialises a config (reports embed it).</summary>
    public static string Serialize(DrillConfig config) => JsonSerializer.Serialize(config, Options.Info<DrillConfig>());

    /// <summary>A commented starting point (New-DrDrillConfig / backupops drill init).</summary>
    public const string StartingPoint = """
        // BackupOps drill definition (docs/drill.md). Comments are allowed; unknown keys are errors.
        {
          "version": 1,
          "environment": "staging",
          // The seed's targets: RTO 60 min; RPO 15 min once WAL archiving exists, 26 h (1560 min) until then.
          "targets": { "rtoMinutes": 60, "rpoMinutes": 1560 },
          "logPath": "./drill-log.md",
          "reportDirectory": "./drill-reports",
          "databases": [
            {
              "name": "monotickets",                    // the source database whose latest backup is restored
              "store": "s3://backups/postgres",         // or a folder; S3 credentials from AWS_* variables
              "criticalTables": ["events", "attendees"],
              "smokeQueries": [
                "SELECT count(*) FROM attendees => > 0",
                "SELECT count(*) FROM transactions WHERE created_at > now() - interval '7 days' => >= 0"
              ]
            }
          ],
          "objectStores": [
            { "bucket": "monotickets-assets", "prefixes": ["sample/"], "sampleSize": 20, "lifecycleTemplate": "./lifecycle.json" }
          ],
          "redis": [
            { "source": "monotickets-queues", "store": "s3://backups/redis", "expectKeys": [], "queues": ["queue:emails=0..10000"] }
          ],
          // Point-in-time recovery (docs/pitr.md): the latest base backup plus every archived WAL segment, replayed in a
          // disposable server. RPO = the source's last commit (read from the server named by sourceUrlVariable, which
          // needs track_commit_timestamp = on; else the drill's start) minus the last transaction recovered.
          "pitr": [
            { "cluster": "db1-5432", "store": "s3://backups/postgres", "database": "monotickets", "sourceUrlVariable": "DATABASE_URL",
              "smokeQueries": ["SELECT count(*) FROM attendees => > 0"] }
          ]
        }
        """;
}

/// <summary>Targets of the drill.</summary>
public sealed record DrillTargets
{
    /// <summary>Recovery time objective: restore start to validated database.</summary>
    public double RtoMinutes { get; set; } = 60;

    /// <summary>Recovery point objective: age of the restored backup.</summary>
    public double RpoMinutes { get; set; } = 26 * 60;
}

/// <summary>A database to restore.</summary>
public sealed record DrillDatabase
{
    /// <summary>Source database name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Store holding its backups.</summary>
    public string? Store { get; init; }

    /// <summary>Tables whose exact row counts are checked.</summary>
    public IReadOnlyList<string> CriticalTables { get; set; } = [];

    /// <summary>Smoke queries with expectations.</summary>
    public IReadOnlyList<string> SmokeQueries { get; set; } = [];

    /// <summary>age identity file for encrypted backups.</summary>
    public string? IdentityFile { get; init; }
}

/// <summary>A bucket to check.</summary>
public sealed record DrillObjectStore
{
    /// <summary>Bucket.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>Prefixes to sample under.</summary>
    public IReadOnlyList<string> Prefixes { get; set; } = [""];

    /// <summary>Objects per prefix.</summary>
    public int SampleSize { get; set; } = 10;

    /// <summary>Lifecycle template to compare with; null skips the lifecycle check.</summary>
    public string? LifecycleTemplate { get; init; }

    /// <summary>Provider profile (auto, aws, r2, generic).</summary>
    public string? Provider { get; init; }
}

/// <summary>A Redis source to restore.</summary>
public sealed record DrillRedis
{
    /// <summary>Source name in the store.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Store holding its snapshots.</summary>
    public string? Store { get; init; }

    /// <summary>Keys that must exist.</summary>
    public IReadOnlyList<string> ExpectKeys { get; set; } = [];

    /// <summary>Queue bounds, key=min..max.</summary>
    public IReadOnlyList<string> Queues { get; set; } = [];
}

/// <summary>A cluster to recover to the latest archived WAL.</summary>
public sealed record DrillPitr
{
    /// <summary>The cluster name base backups and WAL are filed under.</summary>
    public string Cluster { get; set; } = string.Empty;

    /// <summary>Store holding them.</summary>
    public string? Store { get; init; }

    /// <summary>Database the checks run in.</summary>
    public string Database { get; set; } = "postgres";

    /// <summary>Tables whose row counts are reported.</summary>
    public IReadOnlyList<string> CriticalTables { get; set; } = [];

    /// <summary>Smoke queries with expectations.</summary>
    public IReadOnlyList<string> SmokeQueries { get; set; } = [];

    /// <summary>age identity file for encrypted base backups and WAL.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Environment variable holding the source server's URL (its last commit gives the RPO); null uses the drill's start.</summary>
    public string? SourceUrlVariable { get; init; }
}
