using System.Net;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>The simulator only ever talks to this machine: loopback hosts (127.0.0.0/8, ::1, localhost).</summary>
public static class LoopbackGuard
{
    /// <summary>True when <paramref name="url"/> names a loopback host with a ws/wss scheme.</summary>
    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme is not ("ws" or "wss"))
        {
            return false;
        }

        if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
