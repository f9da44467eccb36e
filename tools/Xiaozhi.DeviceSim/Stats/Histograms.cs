using HdrHistogram;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>Histogram conventions: microseconds, 1 µs to 10 minutes, 3 significant digits. Plain <see cref="LongHistogram"/>.</summary>
public static class Histograms
{
    /// <summary>The largest value recorded; larger values are clamped to it.</summary>
    public const long HighestMicroseconds = 600_000_000;

    /// <summary>A new, empty histogram.</summary>
    public static LongHistogram Create() => new(1, HighestMicroseconds, 3);

    /// <summary>Records <paramref name="microseconds"/>, clamped into range.</summary>
    public static void RecordClamped(LongHistogram histogram, long microseconds)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        histogram.RecordValue(Math.Clamp(microseconds, 1, HighestMicroseconds));
    }

    /// <summary>Stopwatch ticks to microseconds.</summary>
    public static long TicksToMicroseconds(long ticks) => ticks * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
}
