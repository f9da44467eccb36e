using System.Net;
using System.Net.Sockets;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// The unit the per-address limits count: an IPv4 address (IPv4-mapped IPv6 included), or an IPv6 /64. One IPv6
/// subscriber is routinely given a whole /64, so counting single IPv6 addresses would let one host take 2^64 of them.
/// </summary>
internal static class AddressKey
{
    /// <summary>The key of <paramref name="address"/> for the per-address limits.</summary>
    public static IPAddress For(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        // Keep the /64 prefix; the interface identifier (and the scope id) is the host's own choice.
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
