using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace BackupOps.Engine.Tests.Servers;

/// <summary>
/// A TCP proxy in front of the real RGW that lets one request reach the server and then withholds the server's
/// answer: the request has taken effect (the upload exists, the object is stored), but the client never hears so.
/// That is what a cancelled request can look like from the server's side (RGW logs "complete_request() returned
/// Broken pipe" and keeps what it did), made exact instead of a race. Every other request passes through unchanged.
/// </summary>
public sealed partial class HoldingS3Proxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly Func<string, bool> _hold;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<string> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _held;

    /// <param name="upstream">The real server, for example the shared RGW's endpoint.</param>
    /// <param name="hold">Picks the request (by its request line, such as <c>POST /bucket/key?uploads HTTP/1.1</c>) whose answer is withheld; only the first match is held.</param>
    public HoldingS3Proxy(string upstream, Func<string, bool> hold)
    {
        _upstream = new Uri(upstream);
        _hold = hold;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The endpoint to give the client.</summary>
    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>
    /// Completes with the request line once the server has answered the held request (its status line, such as
    /// <c>HTTP/1.1 200 OK</c>, is in <see cref="HeldStatus"/>): the request has taken effect, and the client is still waiting.
    /// </summary>
    public Task<string> ServerAnswered => _answered.Task;

    /// <summary>The status line of the withheld answer.</summary>
    public string? HeldStatus { get; private set; }

    /// <summary>Hands the withheld answer to the client after all (a late answer).</summary>
    public void Release() => _release.TrySetResult(true);

    /// <summary>Never hands it over: the connection is closed instead.</summary>
    public void Drop() => _release.TrySetResult(false);

    public async ValueTask DisposeAsync()
    {
        Drop();
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_upstream.Host, _upstream.Port, _stopping.Token);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                var holding = new Holding();
                var up = ForwardRequestsAsync(client.GetStream(), server.GetStream(), holding, linked.Token);
                var down = ForwardAnswersAsync(server.GetStream(), client.GetStream(), holding, linked.Token);
                await Task.WhenAny(up, down);
                await linked.CancelAsync();
                await Task.WhenAll(up, down).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // a connection that ends is the normal end
            }
        }
    }

    // Client to server, watching request lines (HttpClient sends one request at a time on a connection).
    private async Task ForwardRequestsAsync(NetworkStream from, NetworkStream to, Holding holding, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var line = new StringBuilder();
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            for (var i = 0; i < read && !holding.Active; i++)
            {
                var c = (char)buffer[i];
                if (c == '\n')
                {
                    var text = line.ToString().TrimEnd('\r');
                    line.Clear();
                    if (RequestLine().IsMatch(text) && _hold(text) && Interlocked.Exchange(ref _held, 1) == 0)
                    {
                        holding.Request = text;
                        holding.Active = true;
                    }
                }
                else if (line.Length < 8192)
                {
                    line.Append(c);
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    // Server to client; once the held request is sent, its final answer is kept back (a 100 Continue passes).
    private async Task ForwardAnswersAsync(NetworkStream from, NetworkStream to, Holding holding, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var kept = new MemoryStream();
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (!holding.Active)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                continue;
            }

            kept.Write(buffer, 0, read);
            var text = Encoding.Latin1.GetString(kept.GetBuffer(), 0, (int)kept.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            if (text.StartsWith("HTTP/1.1 100", StringComparison.Ordinal))
            {
                await to.WriteAsync(kept.GetBuffer().AsMemory(0, end + 4), cancellationToken);
                var rest = kept.GetBuffer()[(end + 4)..(int)kept.Length];
                kept.SetLength(0);
                kept.Write(rest);
                continue;
            }

            HeldStatus = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
            _answered.TrySetResult(holding.Request!);
            if (!await _release.Task.WaitAsync(cancellationToken))
            {
                return; // dropped: the connection closes without the answer
            }

            // Released: the kept bytes, then everything that follows.
            holding.Active = false;
            await to.WriteAsync(kept.GetBuffer().AsMemory(0, (int)kept.Length), cancellationToken);
            kept.SetLength(0);
        }
    }

    [GeneratedRegex(@"^[A-Z]+ /\S* HTTP/1\.1$")]
    private static partial Regex RequestLine();

    private sealed class Holding
    {
        public volatile bool Active;

        public string? Request { get; set; }
    }
}
