using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>
/// One hand-written HTTP/1.1 request on a fresh TCP connection (optionally from a chosen loopback address), and the
/// answer read until the server closes the connection or the deadline passes.
/// </summary>
public sealed record RawHttpExchange(string Response, bool ServerClosed)
{
    /// <summary>The status code of the answer.</summary>
    public int Status => int.Parse(Response.Split(' ', 3)[1], CultureInfo.InvariantCulture);

    /// <summary>The header block of the answer.</summary>
    public string Headers => Response.Split("\r\n\r\n", 2)[0];

    /// <summary>The body of the answer.</summary>
    public string Body => Response.Split("\r\n\r\n", 2)[1];

    /// <summary>An upgrade request for <paramref name="pathAndQuery"/> with these extra header lines.</summary>
    public static string Upgrade(string pathAndQuery, params string[] headers) =>
        $"GET {pathAndQuery} HTTP/1.1\r\nHost: gateway\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\n"
        + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    /// <summary>Sends <paramref name="request"/> and reads until EOF or <paramref name="wait"/> (default 5 s).</summary>
    public static async Task<RawHttpExchange> SendAsync(Uri server, string request, IPAddress? from = null, TimeSpan? wait = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(server.Host, server.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(5));
        var closed = false;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            closed = true;
        }
        catch (OperationCanceledException)
        {
        }

        return new RawHttpExchange(Encoding.UTF8.GetString(received.ToArray()), closed);
    }
}
