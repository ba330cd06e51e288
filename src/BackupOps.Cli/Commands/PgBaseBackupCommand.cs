using System.CommandLine;
using BackupOps.Cli.Output;
using BackupOps.Engine.Physical;

namespace BackupOps.Cli.Commands;

/// <summary><c>backupops pg basebackup</c>: a physical base backup streamed into the store, for point-in-time recovery.</summary>
internal static class PgBaseBackupCommand
{
    public static Command Create(CommonOptions common)
    {
        var cluster = PgWalCommands.ClusterOption();
        var compress = new Option<int>("--compress") { Description = "zstd level 1-19 (1, the default, is the fastest); 0 for none.", DefaultValueFactory = _ => 1 };
        var recipients = new Option<string[]>("--recipient") { Description = "Encrypt to this age public key (age1...); repeatable." };
        var spread = new Option<bool>("--spread-checkpoint") { Description = "Let the starting checkpoint spread over checkpoint_completion_target instead of an immediate one." };
        var walTimeout = new Option<int>("--wal-timeout") { Description = "Seconds to wait for the backup's WAL to reach the archive before giving up.", DefaultValueFactory = _ => 300 };
        var command = new Command("basebackup", "Take a base backup (pg_basebackup, one tar streamed to the store; committed only when its WAL is archived). The user needs REPLICATION.");
        common.AddConnection(command);
        common.AddStore(command);
        common.AddObjectLock(command);
        common.AddReporting(command);
        foreach (var option in new Option[] { cluster, compress, recipients, spread, walTimeout, common.SigningKey, common.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            var request = new BaseBackupRequest
            {
                Connection = common.Connection(result),
                Cluster = result.GetValue(cluster),
                Store = result.GetValue(common.Store),
                S3 = common.BackupS3(result),
                CompressionLevel = result.GetValue(compress),
                AgeRecipients = result.GetValue(recipients) ?? [],
                FastCheckpoint = !result.GetValue(spread),
                WalTimeout = TimeSpan.FromSeconds(result.GetValue(walTimeout)),
                SigningKeyFile = result.GetValue(common.SigningKey),
                Reporting = common.Reporting(result),
            };
            using var progress = new ConsoleProgress();
            var backup = await BaseBackupEngine.RunAsync(request, progress, cancellationToken);
            progress.Dispose();
            var m = backup.Manifest;
            if (result.GetValue(common.Json))
            {
                JsonOutput.Write(Console.Out, new StoredManifestJson<Engine.Physical.BaseBackupManifest>(backup.Store, backup.ManifestKey, m));
            }
            else
            {
                Console.Out.WriteLine($"Base backup of {m.Database} as {m.BackupId}: {Bytes.Format(m.DataBytes)} in {m.Files} files → {Bytes.Format(m.SizeBytes)} ({m.Codec}) in {m.DurationSeconds:0.0} s");
                Console.Out.WriteLine($"  PostgreSQL {m.ServerVersion}, system {m.SystemIdentifier}, timeline {m.Timeline}, WAL {m.StartLsn}..{m.StopLsn} ({m.StartWalSegment}..{m.StopWalSegment}, archived)");
                Console.Out.WriteLine($"  sha256 {m.Sha256}");
                Console.Out.WriteLine($"  {backup.Store}/{m.DataKey}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
