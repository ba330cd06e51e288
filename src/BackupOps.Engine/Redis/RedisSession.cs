using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>
/// A connection and its server. Disposing closes without waiting for in-flight commands: StackExchange.Redis
/// 1.2.6's graceful close waits out its whole sync timeout after Lua scripts have run (seen: 30-60 s per close).
/// </summary>
internal sealed class RedisSession(ConnectionMultiplexer connection, IServer server) : IDisposable
{
    public ConnectionMultiplexer Connection { get; } = connection;

    public IServer Server { get; } = server;

    public IDatabase Database(int number = 0) => Connection.GetDatabase(number);

    public void Dispose()
    {
        Connection.Close(allowCommandsToComplete: false);
        Connection.Dispose();
    }
}
