using StackExchange.Redis;

namespace BackupOps.Engine.Redis;

/// <summary>A connection and its server. Disposing closes the connection gracefully (commands in flight complete).</summary>
internal sealed class RedisSession(ConnectionMultiplexer connection, IServer server) : IDisposable
{
    public ConnectionMultiplexer Connection { get; } = connection;

    public IServer Server { get; } = server;

    public IDatabase Database(int number = 0) => Connection.GetDatabase(number);

    public void Dispose()
    {
        Connection.Dispose();
    }
}
