using HdrHistogram;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>Percentiles of one latency, in microseconds.</summary>
/// <param name="Count">Samples.</param>
/// <param name="Mean">Mean.</param>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="P999">99.9th percentile.</param>
/// <param name="Max">Largest sample.</param>
public readonly record struct LatencySummary(long Count, double Mean, long P50, long P90, long P99, long P999, long Max)
{
    /// <summary>Reads <paramref name="histogram"/>.</summary>
    public static LatencySummary From(LongHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return default;
        }

        return new LatencySummary(
            histogram.TotalCount,
            histogram.GetMean(),
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.GetMaxValue());
    }
}
