using System.CommandLine;
using BackupOps.Engine.Lifecycle;

namespace BackupOps.Cli.Commands;

/// <summary>The bucket and policy options `r2 lifecycle set` and `r2 lifecycle test` share.</summary>
internal sealed class LifecyclePolicyOptions
{
    public Option<string[]> Buckets { get; } = new("--bucket") { Description = "Bucket(s) to apply to or check; repeatable.", Required = true };

    public Option<string?> Template { get; } = new("--template") { Description = "JSON template with per-prefix rules for several buckets (docs/r2-lifecycle.md). Default: the seed policy." };

    public Option<int?> TransitionDays { get; } = new("--transition-days") { Description = "Days in Standard before Infrequent Access. Default: R2_TRANSITION_STANDARD_DAYS, else 30." };

    public Option<int?> ArchiveDays { get; } = new("--archive-days") { Description = "Days before Archive (an error on R2). Default: R2_TRANSITION_ARCHIVE_DAYS, else 180 where the provider has an archive class." };

    public Option<bool> NoArchive { get; } = new("--no-archive") { Description = "Leave the Archive phase out." };

    public Option<int?> ExpirationDays { get; } = new("--expiration-days") { Description = "Days before deletion. Default: R2_EXPIRATION_DAYS, else 540." };

    public Option<int?> AbortDays { get; } = new("--abort-multipart-days") { Description = "Days before incomplete uploads are aborted. Default: R2_ABORT_MULTIPART_DAYS, else 7." };

    public Option<string?> Prefix { get; } = new("--prefix") { Description = "Scope of the default rule (template rules carry their own)." };

    public Option<string[]> LegalHold { get; } = new("--legal-hold-prefix") { Description = "Prefix under legal hold: no rule may expire objects under it. Repeatable." };

    public Option<int?> BackupRetentionDays { get; } = new("--backup-retention-days") { Description = "Backup retention to reconcile with. Default: BACKUP_RETENTION_DAYS when set." };

    public Option<string> BackupPrefix { get; } = new("--backup-prefix") { Description = "Where backups live in the bucket.", DefaultValueFactory = _ => Engine.Backup.BackupKeys.PostgresPrefix };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Buckets, Template, TransitionDays, ArchiveDays, NoArchive, ExpirationDays, AbortDays, Prefix, LegalHold, BackupRetentionDays, BackupPrefix })
        {
            command.Options.Add(option);
        }
    }

    public LifecycleRequest Request(ParseResult result, string bucket, CommonOptions common, bool replace) => new()
    {
        Bucket = bucket,
        S3 = common.S3(result),
        TemplatePath = result.GetValue(Template),
        Overrides = new LifecycleOverrides
        {
            TransitionDays = result.GetValue(TransitionDays),
            ArchiveDays = result.GetValue(ArchiveDays),
            NoArchive = result.GetValue(NoArchive),
            ExpirationDays = result.GetValue(ExpirationDays),
            AbortMultipartDays = result.GetValue(AbortDays),
            Prefix = result.GetValue(Prefix),
            LegalHoldPrefixes = result.GetValue(LegalHold) ?? [],
        },
        Replace = replace,
        BackupRetentionDays = result.GetValue(BackupRetentionDays),
        BackupPrefix = result.GetValue(BackupPrefix)!,
    };
}
