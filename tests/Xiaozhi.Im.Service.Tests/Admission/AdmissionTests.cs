using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Admission;

namespace Xiaozhi.Im.Service.Tests.Admission;

public sealed class AdmissionTests
{
    private readonly FakeTimeProvider _time = new();

    private ConnectionAdmission Create(Action<AdmissionOptions>? tune = null)
    {
        var options = new AdmissionOptions { PerIpConnectionsPerSecond = 2, PerIpConnectionBurst = 3, MaxConcurrentSessions = 5 };
        tune?.Invoke(options);
        return new ConnectionAdmission(Options.Create(options), _time);
    }

    [Test]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var bucket = new TokenBucket(ratePerSecond: 2, capacity: 3, _time);

        Enumerable.Range(0, 3).Select(_ => bucket.TryTake()).ToList().Should().AllBeEquivalentTo(true);
        bucket.TryTake().Should().BeFalse("the burst is spent");
        _time.Advance(TimeSpan.FromMilliseconds(499));
        bucket.TryTake().Should().BeFalse("not a whole token yet");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        bucket.TryTake().Should().BeTrue("2 per second = one every 500 ms");
        _time.Advance(TimeSpan.FromHours(1));
        bucket.IsFull.Should().BeTrue("refill stops at capacity");
        Enumerable.Range(0, 4).Count(_ => bucket.TryTake()).Should().Be(3);
    }

    [Test]
    public void One_address_past_its_rate_gets_429_while_another_address_is_admitted()
    {
        var admission = Create();
        var noisy = IPAddress.Parse("127.0.0.2");

        Enumerable.Range(0, 3).Select(_ => admission.Admit(noisy, null).Admitted).ToList().Should().AllBeEquivalentTo(true);
        var refused = admission.Admit(noisy, null);

        refused.Should().Be(AdmissionDecision.Refuse(429, "too many connections from this address, slow down", "rate"));
        admission.Admit(IPAddress.Parse("127.0.0.3"), null).Admitted.Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(1));
        admission.Admit(noisy, null).Admitted.Should().BeTrue("the rate refills");
    }

    [Test]
    public void An_address_at_its_open_connection_cap_gets_429_until_one_of_its_connections_ends()
    {
        var admission = Create(o => (o.PerIpConnectionBurst, o.PerIpConcurrentConnections) = (100, 2));
        var crowded = IPAddress.Parse("127.0.0.2");

        admission.Admit(crowded, null).Admitted.Should().BeTrue();
        admission.Admit(crowded, null).Admitted.Should().BeTrue();
        admission.Admit(crowded, null).Should().Be(AdmissionDecision.Refuse(429, "too many open connections from this address", "ip_concurrency"));
        admission.Admit(IPAddress.Parse("127.0.0.3"), null).Admitted.Should().BeTrue("another address has its own count");
        admission.HeldSlots.Should().Be(3, "the refusal holds no session slot");

        admission.Release(crowded);
        admission.OpenFrom(crowded).Should().Be(1);
        admission.Admit(crowded, null).Admitted.Should().BeTrue();
    }

    [Test]
    public void Ipv6_addresses_count_per_64_and_ipv4_mapped_addresses_as_ipv4()
    {
        var admission = Create(o => (o.PerIpConnectionBurst, o.PerIpConcurrentConnections) = (100, 2));

        admission.Admit(IPAddress.Parse("2001:db8:1:2::1"), null).Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Parse("2001:db8:1:2:ffff:1:2:3"), null).Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Parse("2001:db8:1:2:abcd::9"), null).Category.Should().Be("ip_concurrency", "the same /64");
        admission.Admit(IPAddress.Parse("2001:db8:1:3::1"), null).Admitted.Should().BeTrue("the next /64 is another subscriber");

        admission.Admit(IPAddress.Parse("192.0.2.7"), null).Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Parse("::ffff:192.0.2.7"), null).Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Parse("192.0.2.7"), null).Category.Should().Be("ip_concurrency", "a mapped address is the IPv4 address");
        admission.Release(IPAddress.Parse("2001:db8:1:2::77"));
        admission.OpenFrom(IPAddress.Parse("2001:db8:1:2::1")).Should().Be(1);
    }

    [Test]
    public void The_rate_counts_an_ipv6_64_as_one_address()
    {
        var admission = Create();

        for (var i = 1; i <= 3; i++)
        {
            admission.Admit(IPAddress.Parse($"2001:db8::{i}"), null).Admitted.Should().BeTrue();
        }

        admission.Admit(IPAddress.Parse("2001:db8::4"), null).Category.Should().Be("rate", "a host cannot dodge the rate by changing its interface id");
    }

    [Test]
    public void A_refusal_at_capacity_gives_the_address_slot_back()
    {
        var admission = Create(o => (o.PerIpConnectionBurst, o.MaxConcurrentSessions, o.PerIpConcurrentConnections) = (100, 1, 5));

        admission.Admit(IPAddress.Loopback, null).Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Loopback, null).Category.Should().Be("capacity");

        admission.OpenFrom(IPAddress.Loopback).Should().Be(1);
    }

    [Test]
    public void At_capacity_upgrades_get_503_until_a_slot_is_released()
    {
        var admission = Create(o => o.PerIpConnectionBurst = 100);

        Enumerable.Range(0, 5).Select(_ => admission.Admit(IPAddress.Loopback, null).Admitted).ToList().Should().AllBeEquivalentTo(true);
        admission.Admit(IPAddress.Loopback, null).Should().Be(AdmissionDecision.Refuse(503, "gateway at capacity, try again later", "capacity"));
        admission.HeldSlots.Should().Be(5, "a refusal holds no slot");

        admission.Release(IPAddress.Loopback);
        admission.Admit(IPAddress.Loopback, null).Admitted.Should().BeTrue();
    }

    [Test]
    public async Task A_burst_of_simultaneous_upgrades_cannot_overshoot_the_session_limit()
    {
        var admission = Create(o =>
        {
            o.MaxConcurrentSessions = 10;
            o.PerIpConnectionBurst = 10_000;
        });
        using var start = new ManualResetEventSlim();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return admission.Admit(IPAddress.Loopback, null);
        })).Append(Task.Run(() =>
        {
            start.Set();
            return AdmissionDecision.Refuse(0, "starter", "none");
        })));

        decisions.Count(d => d.Admitted).Should().Be(10);
        admission.HeldSlots.Should().Be(10);
    }

    [Test]
    public void Origin_allow_list_applies_to_browsers_only_and_is_off_by_default()
    {
        Create().Admit(IPAddress.Loopback, "https://evil.example").Admitted.Should().BeTrue("off by default");

        var admission = Create(o => o.AllowedOrigins = ["https://app.example", "http://localhost:5173"]);
        admission.Admit(IPAddress.Loopback, "https://evil.example").Should().Be(AdmissionDecision.Refuse(403, "origin not allowed", "origin"));
        admission.Admit(IPAddress.Loopback, "https://APP.example/").Admitted.Should().BeTrue("scheme and host compare case-insensitively");
        admission.Admit(IPAddress.Loopback, "http://localhost:5173").Admitted.Should().BeTrue();
        admission.Admit(IPAddress.Loopback, null).Admitted.Should().BeTrue("devices send no Origin");
    }

    [Test]
    public void Idle_per_address_buckets_are_forgotten_when_many_accumulate()
    {
        var admission = Create();
        for (var i = 0; i < 10_050; i++)
        {
            admission.Admit(IPAddress.Parse($"127.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}"), null);
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        admission.Admit(IPAddress.Loopback, null);

        admission.TrackedAddresses.Should().BeLessThan(10, "refilled buckets carry no state worth keeping");
    }

    [TestCase(nameof(AdmissionOptions.MaxConcurrentSessions), "Admission:MaxConcurrentSessions must be at least 1")]
    [TestCase(nameof(AdmissionOptions.HelloTimeout), "Admission:HelloTimeout must be greater than 0")]
    [TestCase(nameof(AdmissionOptions.PerIpConcurrentConnections), "Admission:PerIpConcurrentConnections must be at least 1")]
    [TestCase(nameof(AdmissionOptions.AllowedOrigins), "Admission:AllowedOrigins entry 'https://app.example/path' is not an origin")]
    public void Bad_settings_are_refused_at_start_up_naming_the_setting(string setting, string message)
    {
        var options = new AdmissionOptions();
        switch (setting)
        {
            case nameof(AdmissionOptions.MaxConcurrentSessions): options.MaxConcurrentSessions = 0; break;
            case nameof(AdmissionOptions.HelloTimeout): options.HelloTimeout = TimeSpan.Zero; break;
            case nameof(AdmissionOptions.PerIpConcurrentConnections): options.PerIpConcurrentConnections = 0; break;
            default: options.AllowedOrigins = ["https://app.example/path"]; break;
        }

        var result = new AdmissionOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(message);
    }
}
