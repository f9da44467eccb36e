using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

public sealed class DnsEndpointOptionsTests
{
    [Test]
    public void Dns_entries_mix_with_urls_and_the_defaults_are_documented()
    {
        var options = new AiOptions { Endpoints = ["http://a:1", "dns:///ai-headless.default.svc.cluster.local:50051", "dns:///[fd00::1]:9", "DNS:///localhost:2"] };

        new AiOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        options.DnsRefreshInterval.Should().Be(TimeSpan.FromSeconds(30));
        options.DnsMinRefreshInterval.Should().Be(TimeSpan.FromSeconds(5));
        AiEndpointTarget.TryParse("dns:///ai.test:50051", out var target, out _).Should().BeTrue();
        target.Should().Be(new AiEndpointTarget(null, "ai.test", 50051));
        target!.ToString().Should().Be("dns:///ai.test:50051");
    }

    [TestCase("dns:///ai.test", "needs a port: dns:///host:port")]
    [TestCase("dns:///[fd00::1]", "needs a port")]
    [TestCase("dns:///ai.test:", "has port '': it must be a number from 1 to 65535")]
    [TestCase("dns:///ai.test:0", "has port '0'")]
    [TestCase("dns:///ai.test:70000", "has port '70000'")]
    [TestCase("dns:///ai.test:50051/x", "has port '50051/x'")]
    [TestCase("dns:///:50051", "has host ''")]
    [TestCase("dns:///ai_test!:50051", "has host 'ai_test!'")]
    [TestCase("dns://8.8.8.8/ai.test:50051", "must be dns:///host:port (three slashes")]
    [TestCase("dns:ai.test:50051", "must be dns:///host:port")]
    public void A_bad_dns_entry_is_refused_naming_the_setting(string entry, string why)
    {
        var result = new AiOptionsValidator().Validate(null, new AiOptions { Endpoints = ["http://ok:1", entry] });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain($"Ai:Endpoints:1 '{entry}' {why}");
    }

    [Test]
    public void Refresh_intervals_are_checked()
    {
        new AiOptionsValidator().Validate(null, new AiOptions { DnsRefreshInterval = TimeSpan.Zero, DnsMinRefreshInterval = TimeSpan.Zero })
            .FailureMessage.Should().Contain("Ai:DnsRefreshInterval must be at least 00:00:00.1 (got 00:00:00)")
            .And.Contain("Ai:DnsMinRefreshInterval must be greater than 0");
        new AiOptionsValidator().Validate(null, new AiOptions { DnsRefreshInterval = TimeSpan.FromSeconds(10), DnsMinRefreshInterval = TimeSpan.FromSeconds(11) })
            .FailureMessage.Should().Contain("Ai:DnsMinRefreshInterval must be greater than 0 and at most Ai:DnsRefreshInterval (got 00:00:11 and 00:00:10)");
    }
}
