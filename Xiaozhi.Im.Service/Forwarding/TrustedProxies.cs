using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Forwarding;

/// <summary>
/// The peers whose headers the gateway believes (<c>ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c>), for
/// headers other than <c>X-Forwarded-For</c> (a W3C <c>traceparent</c>). The forwarded-headers middleware replaces the
/// connection's address with the device's, so the peer that really sent the request is noted before it runs
/// (<see cref="CapturePeer"/>).
/// </summary>
internal sealed class TrustedProxies
{
    private static readonly object PeerKey = new();
    private readonly IPAddress[] _proxies;
    private readonly System.Net.IPNetwork[] _networks;

    public TrustedProxies(IOptions<ForwardingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _proxies = [.. options.Value.KnownProxies.Select(p => IPAddress.Parse(p.Trim()))];
        _networks = [.. options.Value.KnownNetworks.Select(n => System.Net.IPNetwork.Parse(n.Trim()))];
    }

    /// <summary>Middleware, before <c>UseForwardedHeaders</c>: notes the connection's own peer address.</summary>
    public static Task CapturePeer(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.Items[PeerKey] = context.Connection.RemoteIpAddress;
        return next(context);
    }

    /// <summary>The address that sent the request (not a forwarded one).</summary>
    public static IPAddress? PeerOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(PeerKey, out var peer) ? peer as IPAddress : context.Connection.RemoteIpAddress;
    }

    /// <summary>True when <paramref name="peer"/> is a configured proxy or in a configured network.</summary>
    public bool IsTrusted(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }

        // Kestrel on a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the settings name them as a.b.c.d.
        var v4 = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        return _proxies.Any(p => p.Equals(peer) || p.Equals(v4))
            || _networks.Any(n => n.Contains(peer) || n.Contains(v4));
    }
}
