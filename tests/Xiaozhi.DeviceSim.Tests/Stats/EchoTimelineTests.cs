using System.Diagnostics;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Tests.Stats;

public sealed class EchoTimelineTests
{
    private static long At(EchoTimeline timeline, double milliseconds) => timeline.Origin + (long)(milliseconds / 1000 * Stopwatch.Frequency);

    [Test]
    public void Echoes_are_bucketed_by_send_time_with_count_slow_count_and_max()
    {
        var timeline = new EchoTimeline(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5));
        timeline.Record(At(timeline, 1), 1_000);
        timeline.Record(At(timeline, 9), 7_000);
        timeline.Record(At(timeline, 12), 5_000);
        timeline.Record(At(timeline, 45), 90_000);

        timeline.Buckets().Should().Equal(
            (0, 2L, 1L, 7_000L),
            (1, 1L, 0L, 5_000L),
            (2, 0L, 0L, 0L),
            (3, 0L, 0L, 0L),
            (4, 1L, 1L, 90_000L));
    }

    [Test]
    public void Echoes_sent_outside_the_window_are_not_counted()
    {
        var timeline = new EchoTimeline(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5));
        timeline.Record(At(timeline, -1), 9_000);
        timeline.Record(At(timeline, 25), 9_000);

        timeline.Buckets().Sum(b => b.Echoes).Should().Be(0);
    }

    [Test]
    public async Task Concurrent_recorders_lose_no_echo_and_keep_the_largest()
    {
        var timeline = new EchoTimeline(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5));
        var sent = At(timeline, 1);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                timeline.Record(sent, (worker * 10_000) + i);
            }
        })));

        var bucket = timeline.Buckets().Single();
        bucket.Echoes.Should().Be(40_000);
        bucket.Slow.Should().Be(40_000 - 5_001);
        bucket.MaxMicroseconds.Should().Be(39_999);
    }
}
