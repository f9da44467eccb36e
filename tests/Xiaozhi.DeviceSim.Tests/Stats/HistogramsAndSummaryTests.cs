using System.Diagnostics;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Tests.Stats;

public sealed class HistogramsAndSummaryTests
{
    [Test]
    public void An_empty_histogram_summarises_to_all_zeros()
    {
        LatencySummary.From(Histograms.Create()).Should().Be(new LatencySummary(0, 0, 0, 0, 0, 0, 0));
    }

    [Test]
    public void Percentiles_of_one_to_a_thousand_microseconds_are_exact()
    {
        // Below 2048 a 3-significant-digit histogram has one bucket per value, so the percentiles are the textbook ones.
        var histogram = Histograms.Create();
        foreach (var value in Shuffled(Enumerable.Range(1, 1000)))
        {
            Histograms.RecordClamped(histogram, value);
        }

        LatencySummary.From(histogram).Should().Be(new LatencySummary(
            Count: 1000,
            Mean: 500.5,
            P50: 500,
            P90: 900,
            P99: 990,
            P999: 999,
            Max: 1000));
    }

    [Test]
    public void A_single_outlier_shows_in_the_tail_but_not_the_median()
    {
        var histogram = Histograms.Create();
        for (var i = 0; i < 999; i++)
        {
            Histograms.RecordClamped(histogram, 200);
        }

        Histograms.RecordClamped(histogram, 1500);
        var summary = LatencySummary.From(histogram);

        summary.P50.Should().Be(200);
        summary.P90.Should().Be(200);
        summary.P99.Should().Be(200);
        summary.P999.Should().Be(200);
        summary.Max.Should().Be(1500);
        summary.Mean.Should().BeApproximately(((999 * 200) + 1500) / 1000.0, 1e-9);
    }

    [Test]
    public void Large_values_keep_three_significant_digits()
    {
        var histogram = Histograms.Create();
        Histograms.RecordClamped(histogram, 1_234_567); // 1.23 s
        Histograms.RecordClamped(histogram, 45_678_901); // 45.7 s

        var summary = LatencySummary.From(histogram);

        summary.Count.Should().Be(2);
        summary.P50.Should().BeCloseTo(1_234_567, 1_235);
        summary.Max.Should().BeCloseTo(45_678_901, 45_679);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(long.MinValue)]
    public void Values_below_one_microsecond_are_recorded_as_one(long value)
    {
        var histogram = Histograms.Create();

        Histograms.RecordClamped(histogram, value);

        LatencySummary.From(histogram).Should().Be(new LatencySummary(1, 1, 1, 1, 1, 1, 1));
    }

    [TestCase(Histograms.HighestMicroseconds + 1)]
    [TestCase(long.MaxValue)]
    public void Values_above_ten_minutes_are_clamped_to_ten_minutes(long value)
    {
        var histogram = Histograms.Create();

        Histograms.RecordClamped(histogram, value);

        var summary = LatencySummary.From(histogram);
        summary.Count.Should().Be(1);
        summary.P50.Should().BeCloseTo(Histograms.HighestMicroseconds, (ulong)(Histograms.HighestMicroseconds / 1000));
        summary.Max.Should().BeCloseTo(Histograms.HighestMicroseconds, (ulong)(Histograms.HighestMicroseconds / 1000));
    }

    [Test]
    public void Ten_minutes_is_exactly_the_highest_value()
    {
        Histograms.HighestMicroseconds.Should().Be((long)TimeSpan.FromMinutes(10).TotalMicroseconds);
    }

    [Test]
    public void Stopwatch_ticks_convert_to_microseconds()
    {
        Histograms.TicksToMicroseconds(Stopwatch.Frequency).Should().Be(1_000_000);
        Histograms.TicksToMicroseconds(Stopwatch.Frequency / 1000).Should().Be(1_000);
        Histograms.TicksToMicroseconds(Stopwatch.Frequency * 90).Should().Be(90_000_000);
        Histograms.TicksToMicroseconds(0).Should().Be(0);
    }

    [Test]
    public void Record_clamped_refuses_a_null_histogram()
    {
        var record = () => Histograms.RecordClamped(null!, 1);

        record.Should().Throw<ArgumentNullException>();
    }

    private static IEnumerable<int> Shuffled(IEnumerable<int> values)
    {
        var array = values.ToArray();
        new Random(1234).Shuffle(array);
        return array;
    }
}
