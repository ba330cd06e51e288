using System.Management.Automation;
using BackupOps.Engine.Redis;

namespace BackupOps.Internal;

/// <summary>Redis connection settings from a URL parameter and an optional PSCredential (its password).</summary>
internal static class RedisCredentials
{
    public static RedisConnectionSettings Settings(string? server, PSCredential? credential)
    {
        var settings = RedisConnectionSettings.Parse(server);
        return credential is null ? settings : settings with { Password = credential.GetNetworkCredential().Password };
    }
}
