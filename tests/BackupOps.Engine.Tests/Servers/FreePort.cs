using System.Net;
using System.Net.Sockets;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>Asks the kernel for a free loopback port.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
