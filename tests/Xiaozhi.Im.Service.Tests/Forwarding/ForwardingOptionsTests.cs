using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Forwarding;

namespace Xiaozhi.Im.Service.Tests.Forwarding;

public sealed class ForwardingOptionsTests
{
    [Test]
    public void Addresses_and_networks_of_both_families_are_accepted()
    {
        var options = new ForwardingOptions { KnownProxies = ["10.0.0.5", " fd00::5 "], KnownNetworks = ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"] };

        new ForwardingOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [TestCase("10.0.0.300")]
    [TestCase("10.1")]
    [TestCase("10.0.0.0/8")]
    [TestCase("proxy.local")]
    [TestCase("")]
    public void A_proxy_that_is_not_an_address_is_refused_by_its_setting(string proxy)
    {
        var result = new ForwardingOptionsValidator().Validate(null, new ForwardingOptions { KnownProxies = ["10.0.0.5", proxy] });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain($"ForwardedHeaders:KnownProxies:1 '{proxy}' is not an IP address");
    }

    [TestCase("10.0.0.0")]
    [TestCase("10.0.0.1/8")]
    [TestCase("10.0.0.0/33")]
    [TestCase("10.0/16")]
    [TestCase("10.0.0.0/")]
    [TestCase("fd00::/129")]
    public void A_network_that_is_not_a_cidr_is_refused_by_its_setting(string network)
    {
        var result = new ForwardingOptionsValidator().Validate(null, new ForwardingOptions { KnownNetworks = [network] });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain($"ForwardedHeaders:KnownNetworks:0 '{network}' is not a network in CIDR notation");
    }

    [Test]
    public void Nothing_configured_trusts_no_peer_not_even_loopback()
    {
        var options = Configure(new ForwardingOptions());

        options.KnownProxies.Should().BeEmpty("the middleware's default trusts ::1");
        options.KnownIPNetworks.Should().BeEmpty("the middleware's default trusts 127.0.0.0/8");
        options.ForwardedHeaders.Should().Be(ForwardedHeaders.None, "with both lists empty the middleware would believe every peer");
    }

    [Test]
    public void Configured_proxies_and_networks_are_the_only_trusted_peers()
    {
        var options = Configure(new ForwardingOptions { KnownProxies = ["10.0.0.5"], KnownNetworks = ["172.16.0.0/12"] });

        options.KnownProxies.Should().Equal(IPAddress.Parse("10.0.0.5"));
        options.KnownIPNetworks.Should().Equal(System.Net.IPNetwork.Parse("172.16.0.0/12"));
        options.ForwardedHeaders.Should().Be(ForwardedHeaders.XForwardedFor);
        options.ForwardLimit.Should().BeNull();
    }

    private static ForwardedHeadersOptions Configure(ForwardingOptions forwarding)
    {
        var options = new ForwardedHeadersOptions();
        new ForwardedHeadersSetup(Options.Create(forwarding)).Configure(options);
        return options;
    }
}
