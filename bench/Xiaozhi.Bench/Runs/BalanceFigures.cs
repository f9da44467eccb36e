using System.Globalization;
using System.Text.RegularExpressions;

namespace Xiaozhi.Bench.Runs;

/// <summary>The balancing run's arithmetic: percentiles of the devices' times, endpoint shares, the IM's <c>/metrics</c> text.</summary>
public static partial class BalanceFigures
{
    /// <summary>Nearest-rank percentile (0-100) of <paramref name="values"/>; null when there are none.</summary>
    public static double? Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// Each key's share in percent of what grew between <paramref name="before"/> and <paramref name="after"/> (counters
    /// read twice); all zero when nothing grew. Keys only in <paramref name="after"/> count from zero.
    /// </summary>
    public static Dictionary<string, double> Shares(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var grown = after.ToDictionary(kv => kv.Key, kv => Math.Max(0, kv.Value - before.GetValueOrDefault(kv.Key)), StringComparer.Ordinal);
        var total = grown.Values.Sum();
        return grown.ToDictionary(kv => kv.Key, kv => total > 0 ? kv.Value / total * 100 : 0, StringComparer.Ordinal);
    }

    /// <summary>
    /// The samples of <paramref name="metric"/> in Prometheus text, summed by the value of <paramref name="label"/>
    /// (samples without it are left out).
    /// </summary>
    public static Dictionary<string, double> ByLabel(string metricsText, string metric, string label)
    {
        ArgumentNullException.ThrowIfNull(metricsText);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in metricsText.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // name{a="x",b="y"} 12 [timestamp]; a name that only starts like the metric's is another metric.
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var labels = line[(metric.Length + 1)..close];
            var fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            foreach (Match m in LabelPattern().Matches(labels))
            {
                if (m.Groups[1].Value == label)
                {
                    sums[m.Groups[2].Value] = sums.GetValueOrDefault(m.Groups[2].Value) + value;
                }
            }
        }

        return sums;
    }

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
