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

        Enumerable.Range(0, 3).Select(_ => admission.Check(noisy, null, 0).Admitted).ToList().Should().AllBeEquivalentTo(true);
        var refused = admission.Check(noisy, null, 0);

        refused.Should().Be(AdmissionDecision.Refuse(429, "too many connections from this address, slow down", "rate"));
        admission.Check(IPAddress.Parse("127.0.0.3"), null, 0).Admitted.Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(1));
        admission.Check(noisy, null, 0).Admitted.Should().BeTrue("the rate refills");
    }

    [Test]
    public void At_capacity_upgrades_get_503()
    {
        var admission = Create();

        admission.Check(IPAddress.Loopback, null, 4).Admitted.Should().BeTrue();
        admission.Check(IPAddress.Loopback, null, 5).Should().Be(AdmissionDecision.Refuse(503, "gateway at capacity, try again later", "capacity"));
    }

    [Test]
    public void Origin_allow_list_applies_to_browsers_only_and_is_off_by_default()
    {
        Create().Check(IPAddress.Loopback, "https://evil.example", 0).Admitted.Should().BeTrue("off by default");

        var admission = Create(o => o.AllowedOrigins = ["https://app.example", "http://localhost:5173"]);
        admission.Check(IPAddress.Loopback, "https://evil.example", 0).Should().Be(AdmissionDecision.Refuse(403, "origin not allowed", "origin"));
        admission.Check(IPAddress.Loopback, "https://APP.example/", 0).Admitted.Should().BeTrue("scheme and host compare case-insensitively");
        admission.Check(IPAddress.Loopback, "http://localhost:5173", 0).Admitted.Should().BeTrue();
        admission.Check(IPAddress.Loopback, null, 0).Admitted.Should().BeTrue("devices send no Origin");
    }

    [Test]
    public void Idle_per_address_buckets_are_forgotten_when_many_accumulate()
    {
        var admission = Create();
        for (var i = 0; i < 10_050; i++)
        {
            admission.Check(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)), null, 0);
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        admission.Check(IPAddress.Loopback, null, 0);

        admission.TrackedAddresses.Should().BeLessThan(10, "refilled buckets carry no state worth keeping");
    }

    [TestCase(nameof(AdmissionOptions.MaxConcurrentSessions), "Admission:MaxConcurrentSessions must be at least 1")]
    [TestCase(nameof(AdmissionOptions.HelloTimeout), "Admission:HelloTimeout must be greater than 0")]
    [TestCase(nameof(AdmissionOptions.AllowedOrigins), "Admission:AllowedOrigins entry 'https://app.example/path' is not an origin")]
    public void Bad_settings_are_refused_at_start_up_naming_the_setting(string setting, string message)
    {
        var options = new AdmissionOptions();
        switch (setting)
        {
            case nameof(AdmissionOptions.MaxConcurrentSessions): options.MaxConcurrentSessions = 0; break;
            case nameof(AdmissionOptions.HelloTimeout): options.HelloTimeout = TimeSpan.Zero; break;
            default: options.AllowedOrigins = ["https://app.example/path"]; break;
        }

        var result = new AdmissionOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(message);
    }
}
