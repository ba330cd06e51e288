using System.Text.RegularExpressions;

namespace BackupOps.Engine.Errors;

/// <summary>
/// Engine messages name what a user can pass in both front ends as a pair, and each front end shows only its own
/// half: <c>-TargetDatabase / --target-database</c> (parameter / flag) and <c>Get-PgBackup / backupops pg list</c>
/// (cmdlet / command). Any message written in that convention, now or later, renders correctly without edits here.
/// </summary>
public static partial class FrontEndText
{
    /// <summary>The text a PowerShell user sees: <c>-TargetDatabase</c>, <c>Get-PgBackup</c>.</summary>
    public static string ForPowerShell(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = CommandPair().Replace(message, m => m.Groups["ps"].Value);
        return ParameterPair().Replace(message, m => m.Groups["ps"].Value);
    }

    /// <summary>The text a <c>backupops</c> user sees: <c>--target-database</c>, <c>backupops pg list</c>.</summary>
    public static string ForCli(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = CommandPair().Replace(message, m => m.Groups["cli"].Value);
        message = ParameterPair().Replace(message, m => m.Groups["cli"].Value);
        return CredentialAlternative().Replace(message, string.Empty);
    }

    // -Credential and -S3Credential have no CLI half (the CLI takes no secret as an option): where a message lists it among the ways to give
    // a password ("-Credential, PGPASSWORD or ~/.pgpass", "PGPASSWORD, .pgpass or -Credential"), the CLI drops it.
    [GeneratedRegex(@"-(?:S3)?Credential(?:,\s*|\s+or\s+)|(?:,\s*|\s+or\s+|\s+/\s+|,?\s+or\s+pass\s+)-(?:S3)?Credential\b")]
    private static partial Regex CredentialAlternative();

    // -Name / --name, with an optional "or" spelling (-Path / --file); one or more PowerShell names.
    [GeneratedRegex(@"(?<ps>-[A-Z][A-Za-z0-9]*(?:\s+or\s+-[A-Z][A-Za-z0-9]*)?)\s+/\s+(?<cli>--[a-z0-9][a-z0-9-]*(?:\s+or\s+--[a-z0-9][a-z0-9-]*)?)")]
    private static partial Regex ParameterPair();

    // Verb-Noun / backupops <command words>: the CLI's command vocabulary ends an unquoted command (prose follows
    // it); a quoted CLI half ('backupops pg wal setup --check') is taken whole, whatever its words.
    [GeneratedRegex(@"(?<ps>\b[A-Z][a-z]+-[A-Z][A-Za-z0-9]+)\s+/\s+(?<cli>'backupops[^']*'|backupops(?:\s+(?:pg|backup|basebackup|list|restore|prune|wal|push|fetch|setup|archive|r2|lifecycle|get|set|test|verify|redis|snapshot|status|schedule|print|drill|init))+\b)")]
    private static partial Regex CommandPair();
}
