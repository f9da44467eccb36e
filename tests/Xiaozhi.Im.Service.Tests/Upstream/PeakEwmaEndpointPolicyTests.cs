using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>The default endpoint choice on a fake clock: skew, decay and recovery, weights, ejection, spread.</summary>
public class PeakEwmaEndpointPolicyTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<AiEndpoint> _endpoints = [];

    [TearDown]
    public void TearDown()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _endpoints.Clear();
    }

    private AiEndpoint Endpoint(double weight = 1, AiOptions? options = null)
    {
        var ai = options ?? new AiOptions();
        var endpoint = new AiEndpoint(new Uri($"http://127.0.0.1:{_endpoints.Count + 1}"), ai, NullLoggerFactory.Instance, _time, ejector: null, weight, EndpointDepartures.On(_time, ai));
        _endpoints.Add(endpoint);
        return endpoint;
    }

    /// <summary>
    /// A choice every 10 ms for <paramref name="choices"/> choices; each picked turn waits <paramref name="latency"/> of
    /// its endpoint for its first answer (in progress meanwhile), then feeds the estimate. Returns the picks per endpoint.
    /// </summary>
    private int[] Run(IAiEndpointPolicy policy, int choices, params TimeSpan[] latency)
    {
        var picks = new int[_endpoints.Count];
        var pending = new List<(DateTimeOffset Due, int Endpoint, TimeSpan Latency)>();
        for (var n = 0; n < choices; n++)
        {
            foreach (var done in pending.Where(p => p.Due <= _time.GetUtcNow()).ToList())
            {
                _endpoints[done.Endpoint].Balance.Observe(done.Latency);
                _endpoints[done.Endpoint].Balance.TurnEnded();
                pending.Remove(done);
            }

            var chosen = _endpoints.IndexOf(policy.Order(_endpoints)[0]);
            picks[chosen]++;
            _endpoints[chosen].Balance.TurnStarted();
            pending.Add((_time.GetUtcNow() + latency[chosen], chosen, latency[chosen]));
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        return picks;
    }

    [Test]
    public void An_endpoint_three_times_slower_gets_clearly_fewer_of_1000_choices()
    {
        Endpoint();
        Endpoint();
        Endpoint();
        var fast = TimeSpan.FromMilliseconds(200);
        var picks = Run(new PeakEwmaEndpointPolicy(new Random(7)), 1000, fast, fast, fast * 3);

        TestContext.Out.WriteLine($"picks: {string.Join(", ", picks)}");
        picks.Sum().Should().Be(1000);
        picks[2].Should().BeLessThan(picks[0] / 2).And.BeLessThan(picks[1] / 2);
        picks[2].Should().BePositive("the slow endpoint still gets some turns, which keep its estimate current");
    }

    [Test]
    public void Equal_endpoints_share_the_choices_and_two_nodes_do_not_herd()
    {
        Endpoint();
        Endpoint();
        Endpoint();

        // Two gateway nodes with no load of their own yet, both seeing the same figures, choose independently.
        var nodeA = new PeakEwmaEndpointPolicy(new Random(1));
        var nodeB = new PeakEwmaEndpointPolicy(new Random(2));
        var picks = new int[3];
        for (var i = 0; i < 300; i++)
        {
            picks[_endpoints.IndexOf(nodeA.Order(_endpoints)[0])]++;
            picks[_endpoints.IndexOf(nodeB.Order(_endpoints)[0])]++;
        }

        TestContext.Out.WriteLine($"picks: {string.Join(", ", picks)}");
        picks.Should().OnlyContain(p => p > 120, "each of three equal endpoints gets about a third of 600 choices");
    }

    [Test]
    public void A_slow_endpoint_without_turns_relaxes_toward_its_peers_and_is_chosen_again()
    {
        var slow = Endpoint();
        var fast = Endpoint();
        slow.Balance.Observe(TimeSpan.FromMilliseconds(3000));
        fast.Balance.Observe(TimeSpan.FromMilliseconds(300));
        var policy = new PeakEwmaEndpointPolicy(new Random(3));

        policy.Order(_endpoints)[0].Should().BeSameAs(fast);
        slow.Balance.EstimateMs(300).Should().BeApproximately(3000, 1);

        // No turn on either for a while: the slow one's estimate decays toward its peer's (DecayTime 10 s).
        _time.Advance(TimeSpan.FromSeconds(10));
        slow.Balance.EstimateMs(300).Should().BeApproximately(300 * Math.Pow(10, 1 / Math.E), 1, "the ratio 10 shrinks to 10^(1/e)");
        _time.Advance(TimeSpan.FromSeconds(40));
        slow.Balance.EstimateMs(300).Should().BeLessThan(320);

        // A busy fast endpoint (its turns keep it fresh) now loses to the recovered-looking slow one.
        fast.Balance.Observe(TimeSpan.FromMilliseconds(300));
        fast.Balance.TurnStarted();
        policy.Order(_endpoints)[0].Should().BeSameAs(slow);

        // The slow endpoint answers fast now: its estimate follows down, it keeps getting sessions.
        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            slow.Balance.Observe(TimeSpan.FromMilliseconds(250));
        }

        slow.Balance.LatencyMs.Should().BeLessThan(500);
    }

    [Test]
    public void A_slow_endpoint_far_slower_than_its_peers_is_tried_again_within_two_decay_times()
    {
        // Bench case 4 on loopback: B's estimate 1.5 s, A answering in 1 ms with a few turns and many sessions open.
        // Relaxing the difference took ln(1500) decay times to come within A's cost; the ratio relaxes in about 1.5.
        var slow = Endpoint();
        var fast = Endpoint();
        slow.Balance.Observe(TimeSpan.FromMilliseconds(1500));
        fast.Balance.Observe(TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 3; i++)
        {
            fast.Balance.TurnStarted();
        }

        var policy = new PeakEwmaEndpointPolicy(new Random(4));
        var elapsed = TimeSpan.Zero;
        while (policy.Order(_endpoints)[0] != slow && elapsed < TimeSpan.FromMinutes(2))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            fast.Balance.Observe(TimeSpan.FromMilliseconds(1));
            elapsed += TimeSpan.FromSeconds(1);
        }

        TestContext.Out.WriteLine($"the slow endpoint was chosen again after {elapsed.TotalSeconds} s");
        elapsed.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(20), "DecayTime is 10 s");
    }

    [Test]
    public void A_recovered_endpoint_keeps_being_chosen_after_its_first_fast_answer()
    {
        // Bench case 4: B slow (1.5 s), A answering in 1 ms with turns in progress. Nothing is sent to B; with two
        // endpoints P2C compares both every time, so only the decay gives B a turn back.
        var recovered = Endpoint();
        var peer = Endpoint();
        recovered.Balance.Observe(TimeSpan.FromMilliseconds(1500));
        peer.Balance.Observe(TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 3; i++)
        {
            peer.Balance.TurnStarted();
        }

        var policy = new PeakEwmaEndpointPolicy(new Random(11));
        var idle = TimeSpan.Zero;
        while (policy.Order(_endpoints)[0] != recovered && idle < TimeSpan.FromMinutes(2))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            peer.Balance.Observe(TimeSpan.FromMilliseconds(1));
            idle += TimeSpan.FromSeconds(1);
        }

        TestContext.Out.WriteLine($"chosen again after {idle.TotalSeconds} s idle");
        idle.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(20), "the decay alone gives it a turn within two decay times");

        // Its first answer is fast: the estimate must stay where the decay had brought it, not climb back toward 1.5 s.
        var chosenAt = recovered.Balance.EstimateMs(1);
        recovered.Balance.Observe(TimeSpan.FromMilliseconds(1));
        recovered.Balance.EstimateMs(1).Should().BeLessThanOrEqualTo(chosenAt + 0.001, "an answer as fast as its peer's cannot make it look slower than when it was chosen");
        for (var i = 0; i < 3; i++)
        {
            peer.Balance.TurnEnded();
        }

        // Both answer in 20 ms now, a choice every 10 ms: the recovered one carries a fair share of the next 3 s.
        var answer = TimeSpan.FromMilliseconds(20);
        var picks = Run(policy, 300, answer, answer);

        TestContext.Out.WriteLine($"picks: recovered {picks[0]}, peer {picks[1]}; estimate {recovered.Balance.LatencyMs:0.0} ms");
        picks[0].Should().BeGreaterThan(300 * 35 / 100, "it answers as fast as its peer, so about half the choices are its");
    }

    [Test]
    public void An_endpoint_failing_every_third_turn_fast_gets_few_turns_before_any_ejection()
    {
        // Bench case 5: a 999 answer is instant and no latency sample, so without a cost B looked cheapest and got 81 %.
        var healthy = Endpoint();
        var failing = Endpoint();
        var policy = new PeakEwmaEndpointPolicy(new Random(9));
        var picks = new int[2];
        var failingTurns = 0;
        var pending = new List<(DateTimeOffset Due, AiEndpoint Endpoint)>();
        for (var n = 0; n < 1000; n++)
        {
            foreach (var done in pending.Where(p => p.Due <= _time.GetUtcNow()).ToList())
            {
                done.Endpoint.Balance.TurnEnded();
                pending.Remove(done);
            }

            var chosen = policy.Order(_endpoints)[0];
            picks[_endpoints.IndexOf(chosen)]++;
            if (chosen == failing && ++failingTurns % 3 == 0)
            {
                failing.Balance.Failed(); // answered at once with 999
            }
            else
            {
                chosen.Balance.TurnStarted();
                pending.Add((_time.GetUtcNow() + TimeSpan.FromMilliseconds(20), chosen));
                chosen.Balance.Observe(TimeSpan.FromMilliseconds(chosen == failing ? 5 : 20));
            }

            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        TestContext.Out.WriteLine($"picks: healthy {picks[0]}, failing {picks[1]}");
        picks[1].Should().BeLessThan(150, "every failure costs the 5 s penalty, relaxing over the 10 s decay time");
        picks[1].Should().BePositive("it is tried again as its estimate relaxes");
    }

    [Test]
    public void Without_a_failure_penalty_a_failure_is_no_latency_sample()
    {
        var endpoint = Endpoint(options: new AiOptions { Balancing = { FailurePenalty = TimeSpan.Zero } });
        endpoint.Balance.Failed();
        endpoint.Balance.LatencyMs.Should().BeNull();

        var penalized = Endpoint();
        penalized.Balance.Observe(TimeSpan.FromMilliseconds(200));
        penalized.Balance.Failed();
        penalized.Balance.LatencyMs.Should().Be(5000, "the default penalty is taken whole, as any slower answer");
        _time.Advance(TimeSpan.FromSeconds(10));
        penalized.Balance.Observe(TimeSpan.FromMilliseconds(200));
        penalized.Balance.LatencyMs.Should().BeApproximately(200 * Math.Pow(25, 1 / Math.E), 1, "the ratio 25 shrinks to 25^(1/e)");
    }

    [Test]
    public void A_slower_answer_counts_at_once_and_faster_ones_pull_its_ratio_down_over_the_decay_time()
    {
        var endpoint = Endpoint();
        endpoint.Balance.Observe(TimeSpan.FromMilliseconds(200));
        endpoint.Balance.Observe(TimeSpan.FromMilliseconds(900));
        endpoint.Balance.LatencyMs.Should().Be(900, "a peak is taken whole");

        _time.Advance(TimeSpan.FromSeconds(10));
        endpoint.Balance.Observe(TimeSpan.FromMilliseconds(200));
        endpoint.Balance.LatencyMs.Should().BeApproximately(200 * Math.Pow(4.5, 1 / Math.E), 1, "the ratio 4.5 shrinks to 4.5^(1/e)");
    }

    [Test]
    public void Load_counts_turns_in_progress_and_a_weight_divides_the_cost()
    {
        var a = Endpoint();
        var b = Endpoint(weight: 4);
        a.Balance.Observe(TimeSpan.FromMilliseconds(100));
        b.Balance.Observe(TimeSpan.FromMilliseconds(100));
        b.Balance.TurnStarted();
        b.Balance.TurnStarted();

        var costs = PeakEwmaEndpointPolicy.Costs(_endpoints);

        costs[0].Should().BeApproximately(100, 0.001);
        costs[1].Should().BeApproximately(100 * 3 / 4.0, 0.001, "three times the load on four times the weight");
        new PeakEwmaEndpointPolicy(new Random(5)).Order(_endpoints)[0].Should().BeSameAs(b);
    }

    [Test]
    public void Unhealthy_and_ejected_endpoints_are_left_out_while_another_is_usable()
    {
        var unhealthy = Endpoint();
        var ejected = Endpoint();
        var usable = Endpoint();
        unhealthy.SetHealth(AiEndpointHealth.NotServing);
        ejected.Balance.SetEjected(true);

        new PeakEwmaEndpointPolicy(new Random(1)).Order(_endpoints).Should().Equal(usable);

        usable.SetHealth(AiEndpointHealth.Unreachable);
        new PeakEwmaEndpointPolicy(new Random(1)).Order(_endpoints).Should().Equal(ejected);
    }
}
