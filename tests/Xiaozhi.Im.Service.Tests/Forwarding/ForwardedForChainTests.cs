using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Forwarding;

namespace Xiaozhi.Im.Service.Tests.Forwarding;

/// <summary>The real forwarded-headers middleware with the gateway's configuration: which address admission then sees.</summary>
public sealed class ForwardedForChainTests
{
    private static readonly ForwardingOptions Balancers = new() { KnownProxies = ["10.0.0.5"], KnownNetworks = ["10.1.0.0/16"] };

    [Test]
    public async Task A_trusted_proxy_names_the_device()
    {
        (await DeviceAddressAsync(Balancers, peer: "10.0.0.5", "203.0.113.7")).Should().Be("203.0.113.7");
    }

    [Test]
    public async Task An_untrusted_peer_keeps_its_own_address()
    {
        (await DeviceAddressAsync(Balancers, peer: "198.51.100.9", "203.0.113.7")).Should().Be("198.51.100.9");
    }

    [Test]
    public async Task With_nothing_configured_loopback_is_not_trusted_either()
    {
        (await DeviceAddressAsync(new ForwardingOptions(), peer: "127.0.0.1", "203.0.113.7")).Should().Be("127.0.0.1");
        (await DeviceAddressAsync(new ForwardingOptions(), peer: "::1", "203.0.113.7")).Should().Be("::1");
    }

    [Test]
    public async Task What_a_device_writes_into_the_header_itself_is_never_read()
    {
        // The device sent "X-Forwarded-For: 10.1.0.9" (a trusted address); the balancer appended the device's real address.
        (await DeviceAddressAsync(Balancers, peer: "10.0.0.5", "10.1.0.9, 203.0.113.7")).Should().Be("203.0.113.7");
    }

    [Test]
    public async Task Chained_trusted_balancers_pass_the_device_address_on()
    {
        // An outer balancer (10.1.0.3) in front of the inner one (10.0.0.5): both listed, so the walk reaches the device.
        (await DeviceAddressAsync(Balancers, peer: "10.0.0.5", "203.0.113.7, 10.1.0.3")).Should().Be("203.0.113.7");
    }

    [Test]
    public async Task A_proxy_inside_a_trusted_network_and_an_ipv4_mapped_peer_are_trusted()
    {
        (await DeviceAddressAsync(Balancers, peer: "10.1.44.2", "203.0.113.7")).Should().Be("203.0.113.7");
        (await DeviceAddressAsync(Balancers, peer: "::ffff:10.0.0.5", "203.0.113.7")).Should().Be("203.0.113.7");
    }

    [Test]
    public async Task An_unparsable_entry_leaves_the_proxy_address()
    {
        (await DeviceAddressAsync(Balancers, peer: "10.0.0.5", "unknown")).Should().Be("10.0.0.5");
    }

    private static async Task<string> DeviceAddressAsync(ForwardingOptions forwarding, string peer, string forwardedFor)
    {
        var options = new ForwardedHeadersOptions();
        new ForwardedHeadersSetup(Options.Create(forwarding)).Configure(options);
        IPAddress? seen = null;
        var middleware = new ForwardedHeadersMiddleware(
            context =>
            {
                seen = context.Connection.RemoteIpAddress;
                return Task.CompletedTask;
            },
            NullLoggerFactory.Instance,
            Options.Create(options));
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Connection.RemotePort = 40000;
        context.Request.Headers["X-Forwarded-For"] = forwardedFor;

        await middleware.Invoke(context);

        return (seen!.IsIPv4MappedToIPv6 ? seen.MapToIPv4() : seen).ToString();
    }
}
