using StackExchange.Redis;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>A test's connection to a server; disposing closes it gracefully.</summary>
public sealed class RedisTestConnection(ConnectionMultiplexer connection) : IDisposable
{
    public IDatabase GetDatabase(int number = 0) => connection.GetDatabase(number);

    public IServer Server => connection.GetServer(connection.GetEndPoints()[0]);

    public void Dispose()
    {
        connection.Dispose();
    }
}
