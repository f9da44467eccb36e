using System.Net;
using System.Net.Sockets;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>A loopback port the OS had free a moment ago (for child processes that must be told their port).</summary>
internal static class FreeTcpPort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
