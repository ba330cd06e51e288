using StackExchange.Redis;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>A test's connection; disposing closes at once (1.2.6's graceful close waits out its sync timeout).</summary>
public sealed class RedisTestConnection(ConnectionMultiplexer connection) : IDisposable
{
    public IDatabase GetDatabase(int number = 0) => connection.GetDatabase(number);

    public IServer Server => connection.GetServer(connection.GetEndPoints()[0]);

    public void Dispose()
    {
        connection.Close(allowCommandsToComplete: false);
        connection.Dispose();
    }
}
