using HdrHistogram;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>
/// One device's statistics: a plain <see cref="LongHistogram"/> per metric and errors by kind. Writers take the
/// device's own (uncontended) lock, so a snapshot can be taken while the device is still connected; histograms are
/// merged across devices only in <see cref="RunStats"/>.
/// A histogram is created at a metric's first sample (the idle devices of a fleet never record a round trip): one spans 1 µs to
/// 10 minutes at 3 digits, a 164 KB array. Created up front and cleared with <c>Reset()</c>, every idle device of a
/// 10,000-device fleet paid four of them: the reset between warm-up and window took 7.3 s and made 6.8 GB resident.
/// </summary>
public sealed class DeviceStats
{
    private readonly object _gate = new();
    private readonly LongHistogram?[] _histograms = new LongHistogram?[Enum.GetValues<LatencyMetric>().Length];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _framesSent;
    private long _framesEchoed;

    /// <summary>Frames sent since the last reset.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Echoed probe frames received since the last reset.</summary>
    public long FramesEchoed => Interlocked.Read(ref _framesEchoed);

    /// <summary>Records a latency.</summary>
    public void Record(LatencyMetric metric, long microseconds)
    {
        lock (_gate)
        {
            Histograms.RecordClamped(HistogramOf(metric), microseconds);
        }
    }

    /// <summary>Records one echoed probe (both round-trip views).</summary>
    public void RecordEcho(long actualMicroseconds, long intendedMicroseconds)
    {
        lock (_gate)
        {
            Histograms.RecordClamped(HistogramOf(LatencyMetric.RoundTrip), actualMicroseconds);
            Histograms.RecordClamped(HistogramOf(LatencyMetric.RoundTripIntended), intendedMicroseconds);
        }

        Interlocked.Increment(ref _framesEchoed);
    }

    /// <summary>Counts a sent frame.</summary>
    public void CountSent() => Interlocked.Increment(ref _framesSent);

    /// <summary>Counts an error of <paramref name="kind"/>.</summary>
    public void Error(string kind)
    {
        lock (_gate)
        {
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>Adds this device's figures into <paramref name="run"/>.</summary>
    public void AddTo(RunStats run)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate)
        {
            for (var i = 0; i < _histograms.Length; i++)
            {
                if (_histograms[i] is { } histogram)
                {
                    run.Add((LatencyMetric)i, histogram);
                }
            }

            foreach (var (kind, count) in _errors)
            {
                run.AddErrors(kind, count);
            }
        }

        run.AddFrames(FramesSent, FramesEchoed);
    }

    /// <summary>Clears round-trip and turn latencies and frame counts (connect times and errors are kept: they describe the whole run).</summary>
    public void ResetLatencies()
    {
        lock (_gate)
        {
            // Cleared in place, not dropped: new ones would be allocated (large-object heap) inside the measured window.
            _histograms[(int)LatencyMetric.RoundTrip]?.Reset();
            _histograms[(int)LatencyMetric.RoundTripIntended]?.Reset();
            _histograms[(int)LatencyMetric.TurnReply]?.Reset();
            _histograms[(int)LatencyMetric.TurnReplyIntended]?.Reset();
        }

        Interlocked.Exchange(ref _framesSent, 0);
        Interlocked.Exchange(ref _framesEchoed, 0);
    }

    private LongHistogram HistogramOf(LatencyMetric metric) => _histograms[(int)metric] ??= Histograms.Create();
}
