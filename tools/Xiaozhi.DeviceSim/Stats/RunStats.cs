using HdrHistogram;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>Figures merged over every device of a run (single-threaded: built after the fact).</summary>
public sealed class RunStats
{
    private readonly LongHistogram[] _histograms;
    private readonly SortedDictionary<string, long> _errors = new(StringComparer.Ordinal);

    /// <summary>An empty merge.</summary>
    public RunStats()
    {
        _histograms = new LongHistogram[Enum.GetValues<LatencyMetric>().Length];
        for (var i = 0; i < _histograms.Length; i++)
        {
            _histograms[i] = Histograms.Create();
        }
    }

    public long FramesSent { get; private set; }

    /// <summary>Echoed probes received.</summary>
    public long FramesEchoed { get; private set; }

    /// <summary>Errors by kind.</summary>
    public IReadOnlyDictionary<string, long> Errors => _errors;

    /// <summary>Total errors.</summary>
    public long ErrorCount => _errors.Values.Sum();

    /// <summary>Adds a device histogram.</summary>
    public void Add(LatencyMetric metric, LongHistogram histogram) => _histograms[(int)metric].Add(histogram);

    /// <summary>Adds errors.</summary>
    public void AddErrors(string kind, long count) => _errors[kind] = _errors.GetValueOrDefault(kind) + count;

    /// <summary>Adds frame counts.</summary>
    public void AddFrames(long sent, long echoed)
    {
        FramesSent += sent;
        FramesEchoed += echoed;
    }

    /// <summary>The percentiles of <paramref name="metric"/>.</summary>
    public LatencySummary Summary(LatencyMetric metric) => LatencySummary.From(_histograms[(int)metric]);
}
