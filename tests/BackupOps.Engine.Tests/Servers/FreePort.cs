using System.Net;
using System.Net.Sockets;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A free loopback port below the kernel's ephemeral range (32768-60999 on Linux). A port the kernel hands out for
/// bind(0) is an ephemeral one: between closing it and the server binding it, any outgoing connection on the machine
/// (the other test assembly's Ceph daemons, S3 and PostgreSQL clients) may take it as its source port, which made RGW
/// fail with "Address already in use" once two test assemblies started servers at the same time.
/// </summary>
internal static class FreePort
{
    private const int First = 20000;
    private const int Last = 32000;

    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }
}
