using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>When the sessions of an endpoint being left are told to move: spread over the window, stopped on recovery.</summary>
public class EndpointDepartureTests
{
    private static readonly Uri Address = new("http://127.0.0.1:1");
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Test]
    public void The_sessions_moments_are_spread_over_the_window_not_bunched_at_its_start()
    {
        var time = new FakeTimeProvider();
        var departure = new EndpointDeparture(Address, Window, time, new Random(1), NullLogger.Instance);
        var moved = new List<TimeSpan>();
        var start = time.GetUtcNow();
        var watches = Enumerable.Range(0, 200).Select(_ => departure.Watch(_ => moved.Add(time.GetUtcNow() - start), () => { })).ToList();

        departure.Begin(EndpointDepartureReason.NotServing).Should().BeTrue();
        moved.Should().BeEmpty("no session moves at the very moment the endpoint is left");
        for (var t = 0; t < 110; t++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        moved.Should().HaveCount(200).And.OnlyContain(t => t <= Window);
        var quarters = moved.GroupBy(t => (int)Math.Min(3, t.Ticks * 4 / Window.Ticks)).ToDictionary(g => g.Key, g => g.Count());
        quarters.Keys.Should().BeEquivalentTo([0, 1, 2, 3]);
        quarters.Values.Should().OnlyContain(n => n >= 30, "about 50 sessions per quarter of the window, not a burst");
        watches.ForEach(w => w.Dispose());
    }

    [Test]
    public void An_endpoint_serving_again_stops_the_moves_not_yet_due_and_tells_the_others_to_stay()
    {
        var time = new FakeTimeProvider();
        var departure = new EndpointDeparture(Address, Window, time, new Random(2), NullLogger.Instance);
        var moved = 0;
        var stayed = 0;
        for (var i = 0; i < 100; i++)
        {
            departure.Watch(_ => moved++, () => stayed++);
        }

        departure.Begin(EndpointDepartureReason.NotServing);
        time.Advance(Window / 2);
        var movedBefore = moved;
        movedBefore.Should().BeInRange(20, 80);

        departure.End(EndpointDepartureReason.NotServing).Should().BeTrue();
        time.Advance(Window * 2);

        moved.Should().Be(movedBefore, "the sessions whose moment had not come stay");
        stayed.Should().Be(movedBefore, "the sessions already told may stay if their move has not started");
        departure.IsActive.Should().BeFalse();
        departure.Pending.Should().Be(0);
    }

    [Test]
    public void The_departure_lasts_while_any_reason_holds_and_counts_each_reason_once()
    {
        var time = new FakeTimeProvider();
        var begun = new List<EndpointDepartureReason>();
        var departure = new EndpointDeparture(Address, Window, time, new Random(3), NullLogger.Instance, begun.Add);

        departure.Begin(EndpointDepartureReason.NotServing).Should().BeTrue();
        departure.Begin(EndpointDepartureReason.NotServing).Should().BeFalse();
        departure.Begin(EndpointDepartureReason.Retired).Should().BeFalse("already being left");
        departure.End(EndpointDepartureReason.NotServing).Should().BeFalse("still retired");
        departure.IsActive.Should().BeTrue();
        departure.End(EndpointDepartureReason.Ejected).Should().BeFalse("not a reason that held");
        departure.End(EndpointDepartureReason.Retired).Should().BeTrue();

        begun.Should().Equal(EndpointDepartureReason.NotServing, EndpointDepartureReason.Retired);
    }

    [Test]
    public void A_session_arriving_while_the_endpoint_is_left_gets_its_moment_too()
    {
        var time = new FakeTimeProvider();
        var departure = new EndpointDeparture(Address, Window, time, new Random(4), NullLogger.Instance);
        departure.Begin(EndpointDepartureReason.Retired);
        var reasons = new List<EndpointDepartureReason>();

        using var watch = departure.Watch(reasons.Add, () => { });
        time.Advance(Window);

        reasons.Should().Equal(EndpointDepartureReason.Retired);
    }

    [Test]
    public void With_no_other_endpoint_serving_nobody_moves_until_one_serves()
    {
        var time = new FakeTimeProvider();
        var othersServing = false;
        var departure = new EndpointDeparture(Address, Window, time, new Random(5), NullLogger.Instance, othersServing: () => othersServing);
        var moved = 0;
        for (var i = 0; i < 10; i++)
        {
            departure.Watch(_ => moved++, () => { });
        }

        departure.Begin(EndpointDepartureReason.NotServing);
        time.Advance(Window * 3);
        moved.Should().Be(0, "a move would land on the same endpoint");

        othersServing = true;
        time.Advance(Window);
        moved.Should().Be(10);
    }

    [Test]
    public void A_session_that_stopped_watching_is_not_told()
    {
        var time = new FakeTimeProvider();
        var departure = new EndpointDeparture(Address, Window, time, new Random(6), NullLogger.Instance);
        var moved = 0;
        var watch = departure.Watch(_ => moved++, () => { });
        departure.Begin(EndpointDepartureReason.NotServing);

        watch.Dispose();
        time.Advance(Window);

        moved.Should().Be(0);
        departure.Pending.Should().Be(0);
    }
}
