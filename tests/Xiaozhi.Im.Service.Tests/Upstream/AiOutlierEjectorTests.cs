using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>Outlier ejection on a fake clock: threshold, reset, return, growth, the cap, the event and its logs.</summary>
public class AiOutlierEjectorTests
{
    private readonly FakeTimeProvider _time = new();
    private RecordingLogger<AiOutlierEjector> _log = new();
    private readonly List<AiEndpoint> _endpoints = [];
    private readonly List<AiEndpointEjectedEventArgs> _ejected = [];
    private AiOutlierEjector _ejector = null!;

    private static AiBalancingOptions Options => new()
    {
        EjectAfterFailures = 3,
        EjectionTime = TimeSpan.FromSeconds(30),
        MaxEjectionTime = TimeSpan.FromSeconds(100),
        MaxEjectionPercent = 50,
    };

    [SetUp]
    public void SetUp()
    {
        _log = new RecordingLogger<AiOutlierEjector>();
        _ejected.Clear();
        Create(Options, 4);
    }

    [TearDown]
    public void TearDown()
    {
        _ejector.Dispose();
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _endpoints.Clear();
    }

    private void Create(AiBalancingOptions options, int count)
    {
        _ejector?.Dispose();
        _endpoints.Clear();
        _ejector = new AiOutlierEjector(options, _time, _log, () => _endpoints);
        _ejector.EndpointEjected += (_, e) => _ejected.Add(e);
        var ai = new AiOptions { Balancing = options };
        for (var i = 0; i < count; i++)
        {
            _endpoints.Add(new AiEndpoint(new Uri($"http://127.0.0.1:{i + 1}"), ai, NullLoggerFactory.Instance, _time, _ejector));
        }
    }

    private void Fail(int endpoint, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _endpoints[endpoint].NoteFailure();
        }
    }

    private int Logged(int eventId) => _log.Entries.Count(e => e.EventId == eventId);

    [Test]
    public void Failures_in_a_row_eject_the_endpoint_once_logged_and_announced_and_its_peers_stay()
    {
        var seen = new List<AiEndpointEjectedEventArgs>();
        _endpoints[0].Ejected += (_, e) => seen.Add(e);

        Fail(0, 2);
        _endpoints[0].IsEjected.Should().BeFalse();
        Fail(0, 1);

        _endpoints[0].IsEjected.Should().BeTrue();
        _endpoints.Skip(1).Should().OnlyContain(e => !e.IsEjected);
        seen.Should().ContainSingle().Which.Duration.Should().Be(TimeSpan.FromSeconds(30));
        _ejected.Should().ContainSingle().Which.Endpoint.Should().BeSameAs(_endpoints[0]);
        _endpoints[0].Balance.Ejections.Should().Be(1);

        Fail(0, 5); // failures of sessions still on it: no second ejection, no second line
        Logged(3040).Should().Be(1);
        _log.Entries.Single(e => e.EventId == 3040).Level.Should().Be(LogLevel.Warning);
    }

    [Test]
    public void A_success_or_a_serving_health_check_starts_the_count_again()
    {
        Fail(0, 2);
        _endpoints[0].NoteSuccess();
        Fail(0, 2);
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        Fail(0, 2);

        _endpoints[0].IsEjected.Should().BeFalse();
        _ejected.Should().BeEmpty();
    }

    [Test]
    public void An_ejected_endpoint_comes_back_after_the_ejection_time_and_the_next_lasts_longer_up_to_the_cap()
    {
        Fail(0, 3);
        _time.Advance(TimeSpan.FromSeconds(29));
        _endpoints[0].IsEjected.Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(1));
        _endpoints[0].IsEjected.Should().BeFalse();
        Logged(3041).Should().Be(1);

        var durations = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            Fail(0, 3);
            durations.Add(_ejected[^1].Duration);
            _time.Advance(_ejected[^1].Duration);
            _endpoints[0].IsEjected.Should().BeFalse();
        }

        durations.Should().Equal(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100));

        // Back for longer than the longest ejection: the next one is short again.
        _time.Advance(TimeSpan.FromSeconds(101));
        Fail(0, 3);
        _ejected[^1].Duration.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Test]
    public void A_health_check_that_serves_after_failing_ends_the_ejection_one_that_kept_serving_does_not()
    {
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        Fail(0, 3);
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        _endpoints[0].IsEjected.Should().BeTrue("answering health checks while failing turns is no recovery");

        _endpoints[0].SetHealth(AiEndpointHealth.Unreachable);
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        _endpoints[0].IsEjected.Should().BeFalse("it was down and is back");
        Logged(3041).Should().Be(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        Logged(3041).Should().Be(1, "the ejection's timer does not announce a second return");
    }

    [Test]
    public void Never_more_than_the_max_ejection_percent_at_once_and_the_refusal_is_logged_once()
    {
        Fail(0, 3);
        Fail(1, 3);
        Fail(2, 5);

        _endpoints.Count(e => e.IsEjected).Should().Be(2, "50 % of 4 endpoints");
        _endpoints[2].IsEjected.Should().BeFalse();
        Logged(3042).Should().Be(1);

        // Once one is back there is room again: the next failure of the still failing endpoint ejects it.
        _time.Advance(TimeSpan.FromSeconds(30));
        Fail(2, 1);
        _endpoints[2].IsEjected.Should().BeTrue();
    }

    [Test]
    public void A_single_endpoint_is_never_ejected_and_zero_failures_means_never()
    {
        Create(Options, 1);
        Fail(0, 10);
        _endpoints[0].IsEjected.Should().BeFalse();

        var never = Options;
        never.EjectAfterFailures = 0;
        Create(never, 4);
        Fail(0, 100);
        _endpoints[0].IsEjected.Should().BeFalse();
        _ejected.Should().BeEmpty();
    }
}
