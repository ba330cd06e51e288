using System.CommandLine;
using System.Text;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops schedule print</c>: ready cron lines and systemd units for the nightly backup, the prune and the monthly drill.</summary>
internal static class ScheduleCommand
{
    public static Command Create()
    {
        var binary = new Option<string>("--binary") { Description = "Path of backupops on the host.", DefaultValueFactory = _ => "/opt/backupops/backupops" };
        var environmentFile = new Option<string>("--environment-file") { Description = "File with DATABASE_URL, PGPASSWORD, BACKUP_DIR, AWS_* and BACKUPOPS_* settings (mode 0600).", DefaultValueFactory = _ => "/etc/backupops/backupops.env" };
        var retention = new Option<int>("--retention-days") { Description = "Retention for the nightly prune.", DefaultValueFactory = _ => 14 };
        var log = new Option<string>("--log") { Description = "Log file for the cron lines.", DefaultValueFactory = _ => "/var/log/backupops.log" };
        var print = new Command("print", "Print a crontab (the seed's 15 2 * * *) and systemd service/timer units; nothing is installed.");
        foreach (var option in new Option[] { binary, environmentFile, retention, log })
        {
            print.Options.Add(option);
        }

        print.SetAction(result =>
        {
            Console.Out.Write(Render(result.GetValue(binary)!, result.GetValue(environmentFile)!, result.GetValue(retention), result.GetValue(log)!));
            return ExitCodes.Success;
        });
        var schedule = new Command("schedule", "Scheduling helpers.");
        schedule.Subcommands.Add(print);
        return schedule;
    }

    internal static string Render(string binary, string environmentFile, int retentionDays, string log)
    {
        var run = $"set -a; . {environmentFile}; set +a; {binary}";
        var text = new StringBuilder();
        text.Append($"""
            # ---- crontab (crontab -e as the backup user; times are the host's, the seed uses UTC) ----
            # nightly backup at 02:15 (the seed's entry), Redis snapshot, prune, freshness metrics, monthly drill
            15 2 * * * sh -c '{run} pg backup' >> {log} 2>&1
            30 2 * * * sh -c '{run} redis snapshot' >> {log} 2>&1
            45 2 * * * sh -c '{run} pg prune --retention-days {retentionDays} && {binary} redis prune --retention-days {retentionDays}' >> {log} 2>&1
            */15 * * * * sh -c '{run} status --metrics-file /var/lib/node_exporter/textfile_collector/backupops.prom' > /dev/null 2>> {log}
            0 4 1 * * sh -c '{run} drill --config /etc/backupops/drill.json' >> {log} 2>&1

            """);
        foreach (var (name, description, calendar, command) in new[]
        {
            ("backupops-backup", "Nightly PostgreSQL backup", "*-*-* 02:15:00 UTC", "pg backup"),
            ("backupops-prune", "Nightly retention", "*-*-* 02:45:00 UTC", $"pg prune --retention-days {retentionDays}"),
            ("backupops-status", "Backup freshness metrics", "*:0/15", "status --metrics-file /var/lib/node_exporter/textfile_collector/backupops.prom"),
            ("backupops-drill", "Monthly disaster-recovery drill", "*-*-01 04:00:00 UTC", "drill --config /etc/backupops/drill.json"),
        })
        {
            text.Append($"""

                # ---- /etc/systemd/system/{name}.service ----
                [Unit]
                Description=BackupOps: {description}
                Wants=network-online.target
                After=network-online.target

                [Service]
                Type=oneshot
                EnvironmentFile={environmentFile}
                ExecStart={binary} {command}
                # exit 1 = failed, 2 = bad input: both mark the unit failed for OnFailure= alerting

                # ---- /etc/systemd/system/{name}.timer ----
                [Unit]
                Description=BackupOps: {description} (timer)

                [Timer]
                OnCalendar={calendar}
                Persistent=true
                RandomizedDelaySec=60

                [Install]
                WantedBy=timers.target

                """);
        }

        text.Append("\n# enable with: systemctl daemon-reload && systemctl enable --now backupops-backup.timer backupops-prune.timer backupops-status.timer backupops-drill.timer\n");
        return text.ToString();
    }
}
