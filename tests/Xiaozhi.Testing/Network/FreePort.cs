using System.Net;
using System.Net.Sockets;

namespace Xiaozhi.Testing.Network;

/// <summary>Loopback ports for tests.</summary>
public static class FreePort
{
    /// <summary>A port on 127.0.0.1 the OS just handed out and nothing listens on any more (for a closed endpoint or a child process's port).</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
