using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>Outlier ejection on a fake clock: failures in a row, failure rate, latency; reset, return, growth, the cap, the event and its logs.</summary>
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
        EjectFailurePercent = 30,
        EjectLatencyFactor = 5,
        OutlierWindow = TimeSpan.FromSeconds(60),
        MinTurnsToJudge = 20,
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
            _endpoints.Add(new AiEndpoint(new Uri($"http://127.0.0.1:{i + 1}"), ai, NullLoggerFactory.Instance, _time, _ejector, 1, EndpointDepartures.On(_time, ai)));
        }
    }

    private void Fail(int endpoint, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _endpoints[endpoint].NoteFailure();
        }
    }

    private void Answer(int endpoint, int times, double ms = 500)
    {
        for (var i = 0; i < times; i++)
        {
            _endpoints[endpoint].Balance.Observe(TimeSpan.FromMilliseconds(ms));
            _endpoints[endpoint].NoteSuccess();
        }
    }

    // Two answered turns, then one failed: never two failures in a row, a third of the turns failed.
    private void EveryThirdTurnFails(int endpoint, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            Answer(endpoint, 2);
            Fail(endpoint, 1);
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
    public void A_success_or_a_health_check_serving_again_starts_the_count_again_a_steady_serving_does_not()
    {
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        Fail(0, 2);
        _endpoints[0].NoteSuccess();
        Fail(0, 2);
        _endpoints[0].SetHealth(AiEndpointHealth.Unreachable);
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        Fail(0, 2);

        _endpoints[0].IsEjected.Should().BeFalse();
        _ejected.Should().BeEmpty();

        // Its checks pass while its turns fail: that is the partial failure ejection is for.
        _endpoints[0].SetHealth(AiEndpointHealth.Serving);
        Fail(0, 1);

        _endpoints[0].IsEjected.Should().BeTrue();
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
        never.EjectFailurePercent = 0; // else 100 failures of 100 outcomes are a failure rate
        Create(never, 4);
        Fail(0, 100);
        _endpoints[0].IsEjected.Should().BeFalse();
        _ejected.Should().BeEmpty();
    }

    [Test]
    public void Every_third_turn_failing_ejects_by_failure_rate_once_the_minimum_volume_is_reached()
    {
        EveryThirdTurnFails(0, 6); // 18 outcomes, 6 failed: a third, but fewer than 20 to judge
        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse();
        Answer(0, 3); // 21 outcomes, 6 failed: 29 % < 30 %
        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse();

        Fail(0, 1); // 22 outcomes, 7 failed: 32 % ≥ 30 %

        _endpoints[0].IsEjected.Should().BeTrue();
        _endpoints.Skip(1).Should().OnlyContain(e => !e.IsEjected);
        _ejected.Should().ContainSingle().Which.Duration.Should().Be(TimeSpan.FromSeconds(30));
        Logged(3043).Should().Be(1);
        Logged(3040).Should().Be(0, "no two failures were in a row");
        _log.Entries.Single(e => e.EventId == 3043).Level.Should().Be(LogLevel.Warning);

        // Back after its time with its outcomes forgotten: the same history does not eject it again at once.
        _time.Advance(TimeSpan.FromSeconds(30));
        _endpoints[0].IsEjected.Should().BeFalse();
        Fail(0, 1);
        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse();
    }

    [Test]
    public void Below_the_minimum_volume_the_failure_rate_does_not_eject_and_a_quiet_endpoint_is_judged_on_its_last_turns()
    {
        for (var i = 0; i < 9; i++)
        {
            Answer(0, 1);
            Fail(0, 1);
        }

        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse("18 outcomes are fewer than 20, though half failed");

        // Those leave the window, but with too few outcomes in it the rule reaches back to the last 20: 2 more are enough.
        _time.Advance(TimeSpan.FromSeconds(61));
        Answer(0, 1);
        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse("19 outcomes in all");
        Fail(0, 1);

        _endpoints[0].IsEjected.Should().BeTrue("10 of its last 20 outcomes failed");
        _log.Entries.Single(e => e.EventId == 3043).Message.Should().Contain("10 of its 20 outcomes in the last 00:01:02");

        var off = Options;
        off.EjectFailurePercent = 0;
        Create(off, 4);
        EveryThirdTurnFails(0, 20);
        _ejector.Sweep();
        _endpoints[0].IsEjected.Should().BeFalse("0 turns the rule off");
    }

    /// <summary>
    /// A turn of <paramref name="endpoint"/> every <paramref name="every"/> for <paramref name="turns"/> turns, each
    /// <paramref name="nth"/>th failing (0: none), the clock moving on. Returns the turns done before it was ejected.
    /// </summary>
    private int Turns(int endpoint, TimeSpan every, int turns, int nth = 0)
    {
        for (var n = 1; n <= turns; n++)
        {
            if (nth > 0 && n % nth == 0)
            {
                Fail(endpoint, 1);
            }
            else
            {
                Answer(endpoint, 1);
            }

            if (_endpoints[endpoint].IsEjected)
            {
                return n;
            }

            _time.Advance(every);
        }

        return turns;
    }

    [Test]
    public void At_the_defaults_a_busy_endpoint_failing_a_third_of_its_turns_is_ejected_within_ten_seconds()
    {
        Create(new AiBalancingOptions(), 2);
        var every = TimeSpan.FromMilliseconds(100);
        Turns(0, every, 600); // a minute of good turns, 10 a second
        _endpoints[0].IsEjected.Should().BeFalse();

        var turns = Turns(0, every, 1200, nth: 3);

        var elapsed = every * turns;
        TestContext.Out.WriteLine($"ejected after {elapsed.TotalSeconds} s, {turns / 3} of {turns} turns failed");
        _endpoints[0].IsEjected.Should().BeTrue();
        elapsed.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(10), "30 % of a 10 s window is reached 9 s into a third failing");
        elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(6), "the good turns before the fault are still in the window");
        _endpoints[1].IsEjected.Should().BeFalse();
        Logged(3043).Should().Be(1);
        Logged(3040).Should().Be(0);
    }

    [Test]
    public void At_the_defaults_a_quiet_endpoint_failing_a_third_of_its_turns_is_ejected_within_twenty_of_them()
    {
        Create(new AiBalancingOptions(), 2);
        var every = TimeSpan.FromSeconds(3); // fewer than 20 turns in any 10 s window
        Turns(0, every, 100, nth: 10).Should().Be(100, "one turn in ten failing is under 30 % of any 20");
        _endpoints[0].IsEjected.Should().BeFalse();

        var turns = Turns(0, every, 100, nth: 3);

        TestContext.Out.WriteLine($"ejected after {turns} turns ({(every * turns).TotalSeconds} s)");
        _endpoints[0].IsEjected.Should().BeTrue();
        turns.Should().BeLessThanOrEqualTo(20, "6 failures among its last 20 outcomes are 30 %");
        _endpoints[1].IsEjected.Should().BeFalse();
    }

    [Test]
    public void A_single_session_answered_with_999_again_and_again_counts_once_and_does_not_eject()
    {
        Answer(0, 20); // the endpoint serves its other sessions
        var bad = new TurnTimer();
        using (bad.Bind(_endpoints[0], _time, null))
        {
            for (var i = 0; i < 30; i++)
            {
                bad.DeviceSent(UplinkFrameTag.Request, ChatFrameKind.Text);
                bad.AiSent("error", "alert");
            }
        }

        _ejector.Sweep();
        _endpoints[0].Balance.Outcomes(TimeSpan.FromSeconds(60)).Failed.Should().Be(1);
        _endpoints[0].IsEjected.Should().BeFalse();
        _ejected.Should().BeEmpty();
    }

    [Test]
    public void The_failure_rate_rule_keeps_to_the_cap_logs_the_refusal_once_and_ejects_when_there_is_room()
    {
        Fail(0, 3);
        Fail(1, 3);
        EveryThirdTurnFails(2, 10);
        _ejector.Sweep();

        _endpoints.Count(e => e.IsEjected).Should().Be(2, "50 % of 4 endpoints");
        _endpoints[2].IsEjected.Should().BeFalse();
        Logged(3045).Should().Be(1);
        _log.Entries.Single(e => e.EventId == 3045).Message.Should().Contain("failure rate");

        // The others are back: the next sweep ejects the endpoint still over the rate.
        _time.Advance(TimeSpan.FromSeconds(36));
        _endpoints[2].IsEjected.Should().BeTrue();
        Logged(3043).Should().Be(1);
    }

    [Test]
    public void A_ten_times_slower_endpoint_among_three_is_ejected_by_latency_and_comes_back_after_its_time()
    {
        Create(Options, 3);
        Answer(0, 20, 500);
        Answer(1, 20, 600);
        Answer(2, 20, 5500);

        _time.Advance(_ejector.SweepInterval);

        _endpoints[2].IsEjected.Should().BeTrue();
        _endpoints.Take(2).Should().OnlyContain(e => !e.IsEjected);
        _ejected.Should().ContainSingle().Which.Duration.Should().Be(TimeSpan.FromSeconds(30));
        Logged(3044).Should().Be(1);
        _log.Entries.Single(e => e.EventId == 3044).Message.Should().Contain("5500").And.Contain("550");

        _time.Advance(TimeSpan.FromSeconds(30));
        _endpoints[2].IsEjected.Should().BeFalse();
        Logged(3041).Should().Be(1);

        // Its slow turns were forgotten: it is judged again only on new ones.
        _time.Advance(_ejector.SweepInterval * 2);
        _endpoints[2].IsEjected.Should().BeFalse();
        Logged(3044).Should().Be(1);
    }

    [Test]
    public void Latency_is_not_judged_below_the_factor_with_too_few_turns_or_with_one_peer()
    {
        Create(Options, 3);
        Answer(0, 20, 500);
        Answer(1, 20, 500);
        Answer(2, 20, 2400); // 4.8 × the peers' median
        _ejector.Sweep();
        _endpoints[2].IsEjected.Should().BeFalse();

        Create(Options, 3);
        Answer(0, 20, 500);
        Answer(1, 20, 500);
        Answer(2, 19, 5000);
        _ejector.Sweep();
        _endpoints[2].IsEjected.Should().BeFalse("19 answered turns are too few to judge");

        Create(Options, 3);
        Answer(0, 20, 500);
        Answer(2, 20, 5000);
        _ejector.Sweep();
        _endpoints[2].IsEjected.Should().BeFalse("one peer with answers is no median");

        var off = Options;
        off.EjectLatencyFactor = 0;
        Create(off, 3);
        Answer(0, 20, 500);
        Answer(1, 20, 500);
        Answer(2, 20, 50_000);
        _ejector.Sweep();
        _endpoints[2].IsEjected.Should().BeFalse("0 turns the rule off");
        _ejected.Should().BeEmpty();
    }
}
