using System.Net.Sockets;
using System.Text;

namespace BackupOps.Engine.Redis;

/// <summary>
/// Minimal RESP over a plain socket, for "is it up yet?" checks. StackExchange.Redis 1.2.6 stalls for about
/// 30 seconds when its first connect is refused, so waits for a server that is (re)starting, and the fail-fast
/// reachability check before connecting, use this instead.
/// </summary>
internal static class RespProbe
{
    /// <summary>True when something accepts TCP connections at the endpoint within the timeout.</summary>
    public static async Task<bool> ReachableAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Sends AUTH (when a password is given) and one inline command; returns the raw reply, or null when nothing answers.</summary>
    public static string? Query(string host, int port, string? password, string command)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(host, port);
            client.ReceiveTimeout = 2000;
            using var stream = client.GetStream();
            var request = new StringBuilder();
            if (password is not null)
            {
                // RESP array form, so a password with spaces or quotes stays one argument.
                request.Append("*2\r\n$4\r\nAUTH\r\n$").Append(Encoding.UTF8.GetByteCount(password)).Append("\r\n").Append(password).Append("\r\n");
            }

            request.Append(command).Append("\r\n");
            stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
            var buffer = new byte[16384];
            var reply = new StringBuilder();
            var expectedReplies = password is null ? 1 : 2;
            do
            {
                var read = stream.Read(buffer);
                if (read == 0)
                {
                    break;
                }

                reply.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
            while (CountReplies(reply) < expectedReplies);

            return reply.ToString();
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return null;
        }
    }

    // Good enough for the probes: a simple-string/error line, or a bulk string whose body has arrived.
    private static int CountReplies(StringBuilder reply)
    {
        var text = reply.ToString();
        var count = 0;
        var index = 0;
        while (index < text.Length)
        {
            var end = text.IndexOf("\r\n", index, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            if (text[index] == '$' && int.TryParse(text.AsSpan(index + 1, end - index - 1), out var length) && length >= 0)
            {
                if (text.Length < end + 2 + length + 2)
                {
                    break;
                }

                index = end + 2 + length + 2;
            }
            else
            {
                index = end + 2;
            }

            count++;
        }

        return count;
    }
}
