using System.Globalization;
using BackupOps.Engine.Errors;
using BackupOps.Engine.Redis;
using BackupOps.Engine.Restore;

namespace BackupOps.Engine.Drill;

/// <summary>
/// The checks of a drill definition's entries that the real drill would otherwise meet only while running (smoke
/// expectations, queue bounds, sample sizes, identity files). <see cref="DrillConfig.Load"/> runs them, so the dry run
/// and the real drill refuse the same definition with the same one-line error (exit 2) before anything runs, and a
/// dry run can no longer pass a definition the drill rejects. Each error names the entry and the file.
/// </summary>
internal static class DrillDefinitionChecks
{
    /// <summary>Throws the first problem found, as bad input naming the entry (databases[0].smokeQueries[1]) and the file.</summary>
    public static void Check(DrillConfig config, string path)
    {
        for (var i = 0; i < config.Databases.Count; i++)
        {
            var database = config.Databases[i];
            Each(database.SmokeQueries, $"databases[{Index(i)}].smokeQueries", path, text => SmokeQuery.Parse(text));
            IdentityFile(database.IdentityFile, $"databases[{Index(i)}].identityFile", path);
        }

        for (var i = 0; i < config.ObjectStores.Count; i++)
        {
            var objects = config.ObjectStores[i];
            if (objects.SampleSize < 1)
            {
                throw BackupOpsException.InvalidInput("SampleCountInvalid", $"objectStores[{Index(i)}].sampleSize {objects.SampleSize.ToString(CultureInfo.InvariantCulture)} in '{Shown(path)}' samples nothing. Use 1 or more objects per prefix (the starting point uses 20).");
            }
        }

        for (var i = 0; i < config.Redis.Count; i++)
        {
            Each(config.Redis[i].Queues, $"redis[{Index(i)}].queues", path, text => QueueBound.Parse(text));
        }

        for (var i = 0; i < config.Pitr.Count; i++)
        {
            var pitr = config.Pitr[i];
            Each(pitr.SmokeQueries, $"pitr[{Index(i)}].smokeQueries", path, text => SmokeQuery.Parse(text));
            IdentityFile(pitr.IdentityFile, $"pitr[{Index(i)}].identityFile", path);
        }
    }

    private static void Each(IReadOnlyList<string>? entries, string field, string path, Action<string> parse)
    {
        if (entries is null)
        {
            throw BackupOpsException.InvalidInput("DrillConfigInvalid", $"{field} in '{Shown(path)}' is null. Give a list ([] for none) or leave it out.");
        }

        for (var j = 0; j < entries.Count; j++)
        {
            try
            {
                parse(entries[j] ?? throw BackupOpsException.InvalidInput("DrillConfigInvalid", "the entry is null; give the text."));
            }
            catch (BackupOpsException ex) when (ex.Kind == BackupOpsErrorKind.InvalidInput)
            {
                throw BackupOpsException.InvalidInput(ex.ErrorId, $"{field}[{Index(j)}] in '{Shown(path)}': {Security.BoundedInput.Shown(ex.Message, 400)}");
            }
        }
    }

    private static void IdentityFile(string? identityFile, string field, string path)
    {
        if (identityFile is not null && !File.Exists(identityFile))
        {
            throw BackupOpsException.InvalidInput("IdentityFileMissing", $"{field} '{Shown(identityFile)}' in '{Shown(path)}' does not exist. Give the age identity file written by age-keygen (a relative path is from the current folder), or leave identityFile out for unencrypted backups.");
        }
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Shown(string value) => Security.BoundedInput.Shown(value, 200);
}
