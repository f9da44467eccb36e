using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>Percentiles of the in-gateway hop time, µs.</summary>
public readonly record struct HopSummary(long Count, long P50, long P99, long P999, long Max)
{
    /// <summary><c>count/p50/p99/p99.9/max</c>.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Count}/{P50}/{P99}/{P999}/{Max}");

    /// <summary>Parses <see cref="Format"/>'s output.</summary>
    public static HopSummary Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var v = text.Split('/').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new HopSummary(v[0], v[1], v[2], v[3], v[4]);
    }
}
