using System.CommandLine;
using BackupOps.Cli;
using BackupOps.Cli.Commands;

// backupops: the same engine as the PowerShell module, for hosts without PowerShell.
var common = new CommonOptions();
var pg = new Command("pg", "PostgreSQL backups: backup, list, restore, prune, verify; basebackup and wal for point-in-time recovery.");
pg.Subcommands.Add(PgBackupCommand.Create(common));
pg.Subcommands.Add(PgListCommand.Create(common));
pg.Subcommands.Add(PgRestoreCommand.Create(common));
pg.Subcommands.Add(PgPruneCommand.Create(common));
pg.Subcommands.Add(VerifyCommand.CreatePg(common));
pg.Subcommands.Add(PgBaseBackupCommand.Create(common));
pg.Subcommands.Add(PgWalCommands.Create(common));
var root = new RootCommand("BackupOps: back up, restore and verify PostgreSQL databases to folders and S3/R2; tier and verify object storage.");
root.Subcommands.Add(pg);
var r2 = new Command("r2", "Object storage (R2, S3, Ceph, MinIO): lifecycle tiers and integrity checks.");
r2.Subcommands.Add(R2LifecycleCommand.Create(common));
r2.Subcommands.Add(R2VerifyCommand.Create(common));
root.Subcommands.Add(r2);
root.Subcommands.Add(RedisCommands.Create(common));
root.Subcommands.Add(StatusCommand.Create(common));
root.Subcommands.Add(ScheduleCommand.Create());
root.Subcommands.Add(DrillCommand.Create(common));
root.Subcommands.Add(KeyCommand.Create(common));

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // The parser quotes the bad token: bounded and on one line, so a huge or multi-line argument cannot flood or forge stderr,
    // and redacted: a mistyped option before a URL with a password echoed the password into cron's log.
    var redactor = new BackupOps.Engine.Errors.SecretRedactor();
    foreach (var message in parsed.Errors.Select(e => BackupOps.Engine.Security.BoundedInput.Shown(redactor.Redact(ParseErrorText.WithSuggestion(ParseErrorText.Plain(e.Message), parsed)), 300)).Distinct().Take(3))
    {
        Console.Error.WriteLine($"backupops: {message}");
    }

    Console.Error.WriteLine("Run 'backupops --help' (or 'backupops pg <verb> --help') for usage.");
    return ExitCodes.BadInput;
}

// SIGTERM (systemd, schedulers), SIGINT (Ctrl+C) and SIGHUP (a closed terminal) cancel the operation, which then
// cleans up and exits 130; System.CommandLine's own handling is off, so there is one place that decides.
using var signals = new SignalCancellation();
return await TopLevel.RunAsync(() => parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, signals.Token), signals);
