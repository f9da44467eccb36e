using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>One configured listen URL and, once Kestrel has bound it, its real port.</summary>
internal sealed class StubEndpoint(StubEndpointKind kind, Uri configured)
{
    public StubEndpointKind Kind { get; } = kind;

    public Uri Configured { get; } = configured;

    public bool IsHttps => Configured.Scheme == Uri.UriSchemeHttps;

    /// <summary>Set by Kestrel configuration; Kestrel replaces its endpoint with the bound one (port 0 → real port).</summary>
    public ListenOptions? Listen { get; set; }

    /// <summary>The address clients dial: wildcard hosts become loopback, port 0 becomes the bound port.</summary>
    public Uri GetAddress()
    {
        var port = Listen?.IPEndPoint?.Port ?? Configured.Port;
        var host = Configured.Host;
        if (IsWildcard(host))
        {
            host = "127.0.0.1";
        }

        return new UriBuilder(Configured.Scheme, host, port).Uri;
    }

    /// <summary>Whether a request arrived on this endpoint.</summary>
    public bool Accepts(int localPort) => (Listen?.IPEndPoint?.Port ?? Configured.Port) == localPort;

    public static bool IsWildcard(string host) =>
        host is "*" or "+" or "0.0.0.0" or "[::]" or "::";

    public static bool TryParseIp(string host, out IPAddress address) =>
        IPAddress.TryParse(host.Trim('[', ']'), out address!);
}
