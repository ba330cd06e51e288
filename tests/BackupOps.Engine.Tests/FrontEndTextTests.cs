using BackupOps.Engine.Errors;
using Xunit;

namespace BackupOps.Engine.Tests;

/// <summary>Engine messages carry "-Name / --name" and "Verb-Noun / backupops ..." pairs; each front end shows its half.</summary>
public sealed class FrontEndTextTests
{
    [Theory]
    [InlineData("Pass -TargetDatabase / --target-database.", "Pass -TargetDatabase.", "Pass --target-database.")]
    [InlineData("Pass the identity file with -IdentityFile / --identity.", "Pass the identity file with -IdentityFile.", "Pass the identity file with --identity.")]
    [InlineData("Give -SnapshotId / --snapshot-id, or -Latest / --latest.", "Give -SnapshotId, or -Latest.", "Give --snapshot-id, or --latest.")]
    [InlineData("fix -Store / --store s3://bucket/prefix", "fix -Store s3://bucket/prefix", "fix --store s3://bucket/prefix")]
    [InlineData("Run Get-PgBackup / backupops pg list to see the backups there.", "Run Get-PgBackup to see the backups there.", "Run backupops pg list to see the backups there.")]
    [InlineData("Write one with New-DrDrillConfig / backupops drill init.", "Write one with New-DrDrillConfig.", "Write one with backupops drill init.")]
    [InlineData("Check it with Test-PgWal / 'backupops pg wal setup --check' first.", "Check it with Test-PgWal first.", "Check it with 'backupops pg wal setup --check' first.")]
    [InlineData("See Get-PgWal / backupops pg wal verify for the range.", "See Get-PgWal for the range.", "See backupops pg wal verify for the range.")]
    [InlineData("-Jobs / --jobs 99 is out of range.", "-Jobs 99 is out of range.", "--jobs 99 is out of range.")]
    [InlineData("(-Target / --target redis://host:port)", "(-Target redis://host:port)", "(--target redis://host:port)")]
    [InlineData("Check the user and password (-Credential, PGPASSWORD or ~/.pgpass) and pg_hba.conf.", "Check the user and password (-Credential, PGPASSWORD or ~/.pgpass) and pg_hba.conf.", "Check the user and password (PGPASSWORD or ~/.pgpass) and pg_hba.conf.")]
    [InlineData("(put the password in PGPASSWORD, .pgpass or -Credential).", "(put the password in PGPASSWORD, .pgpass or -Credential).", "(put the password in PGPASSWORD, .pgpass).")]
    [InlineData("Check REDIS_PASSWORD / -Credential (or the URL's password).", "Check REDIS_PASSWORD / -Credential (or the URL's password).", "Check REDIS_PASSWORD (or the URL's password).")]
    [InlineData("Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass -S3Credential.", "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass -S3Credential.", "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")]
    [InlineData("No pair here: 2026-01-01 / 3 -- ok", "No pair here: 2026-01-01 / 3 -- ok", "No pair here: 2026-01-01 / 3 -- ok")]
    public void Each_front_end_sees_only_its_own_names(string engine, string powerShell, string cli)
    {
        Assert.Equal(powerShell, FrontEndText.ForPowerShell(engine));
        Assert.Equal(cli, FrontEndText.ForCli(engine));
    }

    [Fact]
    public void No_engine_message_names_a_cli_flag_or_command_outside_a_pair()
    {
        // A message literal that tells the user "--flag" or "backupops ..." without the PowerShell half would reach
        // PowerShell users as a CLI flag. Arguments for external tools (pg_dump --jobs=...) are not messages.
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/BackupOps.Engine"));
        var offenders = new List<string>();
        foreach (var file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            foreach (var (line, number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
            {
                if (!line.Contains("BackupOpsException", StringComparison.Ordinal) && !line.Contains("InvalidInput(", StringComparison.Ordinal) && !line.TrimStart().StartsWith("$\"", StringComparison.Ordinal) && !line.TrimStart().StartsWith('"'))
                {
                    continue;
                }

                var rendered = FrontEndText.ForPowerShell(line);
                if (System.Text.RegularExpressions.Regex.IsMatch(rendered, @"[\s(']--[a-z][a-z-]+ [^=]|'backupops |\bbackupops [a-z]+ [a-z]+") && !rendered.Contains("for backupops", StringComparison.Ordinal) && (line.Contains("BackupOpsException", StringComparison.Ordinal) || line.Contains("InvalidInput(", StringComparison.Ordinal) || line.Contains(". ", StringComparison.Ordinal)))
                {
                    offenders.Add($"{Path.GetRelativePath(root, file)}:{number}: {line.Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Write these as '-Name / --name' or 'Verb-Noun / backupops ...' pairs:\n" + string.Join("\n", offenders));
    }
}
