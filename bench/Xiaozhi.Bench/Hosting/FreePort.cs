using System.Net;
using System.Net.Sockets;

namespace Xiaozhi.Bench.Hosting;

/// <summary>A currently free TCP port on 127.0.0.1 (asked of the OS, then released).</summary>
public static class FreePort
{
    /// <summary>Picks one.</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts on 127.0.0.1:<paramref name="port"/>; false after <paramref name="limit"/>.</summary>
    public static async Task<bool> WaitListeningAsync(int port, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
        }

        return false;
    }
}
