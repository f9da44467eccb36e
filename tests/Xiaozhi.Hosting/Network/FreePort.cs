using System.Net;
using System.Net.Sockets;

namespace Xiaozhi.Hosting;

/// <summary>Loopback ports for servers that must be told their port (child processes, a closed endpoint).</summary>
public static class FreePort
{
    /// <summary>A port on 127.0.0.1 the OS just handed out and nothing listens on any more.</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts on 127.0.0.1:<paramref name="port"/>; false after <paramref name="limit"/>.</summary>
    public static async Task<bool> WaitListeningAsync(int port, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await AcceptsAsync(port, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>True when something accepts on 127.0.0.1:<paramref name="port"/> now.</summary>
    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
