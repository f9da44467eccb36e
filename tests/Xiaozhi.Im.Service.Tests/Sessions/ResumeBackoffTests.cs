using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

public class ResumeBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    [TestCase(0, 100)]
    [TestCase(1, 200)]
    [TestCase(3, 800)]
    [TestCase(5, 3200)]
    [TestCase(6, 5000)]
    [TestCase(40, 5000)]
    [TestCase(-3, 100)]
    public void The_cap_doubles_per_attempt_up_to_the_maximum(int attempt, int capMs)
    {
        new ResumeBackoff(Initial, Max).Cap(attempt).Should().Be(TimeSpan.FromMilliseconds(capMs));
    }

    [TestCase(0.0, 50)]
    [TestCase(0.5, 75)]
    [TestCase(0.999999, 100)]
    public void The_jitter_spreads_the_wait_over_half_the_cap_to_the_cap(double random, int expectedMs)
    {
        var delay = new ResumeBackoff(Initial, Max, () => random).Delay(0);

        delay.TotalMilliseconds.Should().BeApproximately(expectedMs, 0.01);
    }

    [Test]
    public void Every_delay_stays_within_its_bounds_and_sessions_resuming_together_spread_out()
    {
        var backoff = new ResumeBackoff(Initial, Max, new Random(7).NextDouble);
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var cap = backoff.Cap(attempt);
            var delays = Enumerable.Range(0, 200).Select(_ => backoff.Delay(attempt)).ToArray();

            delays.Should().OnlyContain(d => d >= cap / 2 && d <= cap);
            delays.Distinct().Count().Should().BeGreaterThan(150, "jitter, so a restart does not make every session retry at the same instant");
        }
    }
}
