using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Forwarding;

/// <summary>
/// Configures ASP.NET Core's forwarded-headers middleware from <see cref="ForwardingOptions"/>: only
/// <c>X-Forwarded-For</c>, only from the configured proxies. The middleware's own defaults trust loopback; they are
/// cleared, and with nothing configured it forwards nothing, so the header is ignored from every peer.
/// </summary>
internal sealed class ForwardedHeadersSetup(IOptions<ForwardingOptions> forwarding) : IConfigureOptions<ForwardedHeadersOptions>
{
    /// <inheritdoc />
    public void Configure(ForwardedHeadersOptions options)
    {
        var settings = forwarding.Value;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        // With both lists empty the middleware checks no peer at all and believes everyone: nothing to forward then.
        options.ForwardedHeaders = settings.KnownProxies.Count + settings.KnownNetworks.Count > 0
            ? ForwardedHeaders.XForwardedFor
            : ForwardedHeaders.None;
        foreach (var proxy in settings.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        }

        foreach (var network in settings.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));
        }

        // No hop limit: the chain is read right to left and stops at the first address that is not a known proxy, so
        // chained balancers (all listed) pass the device's address on, while whatever a device wrote into the header
        // itself sits left of its real address (which no list holds) and is never read. A limit of 1 (the default)
        // would give the inner balancer's address behind two of them.
        options.ForwardLimit = null;
    }
}
