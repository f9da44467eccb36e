using HdrHistogram;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>
/// One device's statistics: a plain <see cref="LongHistogram"/> per metric and errors by kind. Writers take the
/// device's own (uncontended) lock, so a snapshot can be taken while the device is still connected; histograms are
/// merged across devices only in <see cref="RunStats"/>.
/// </summary>
public sealed class DeviceStats
{
    private readonly object _gate = new();
    private readonly LongHistogram[] _histograms;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _framesSent;
    private long _framesEchoed;

    /// <summary>An empty set.</summary>
    public DeviceStats()
    {
        _histograms = new LongHistogram[Enum.GetValues<LatencyMetric>().Length];
        for (var i = 0; i < _histograms.Length; i++)
        {
            _histograms[i] = Histograms.Create();
        }
    }

    /// <summary>Frames sent since the last reset.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Echoed probe frames received since the last reset.</summary>
    public long FramesEchoed => Interlocked.Read(ref _framesEchoed);

    /// <summary>Records a latency.</summary>
    public void Record(LatencyMetric metric, long microseconds)
    {
        lock (_gate)
        {
            Histograms.RecordClamped(_histograms[(int)metric], microseconds);
        }
    }

    /// <summary>Records one echoed probe (both round-trip views).</summary>
    public void RecordEcho(long actualMicroseconds, long intendedMicroseconds)
    {
        lock (_gate)
        {
            Histograms.RecordClamped(_histograms[(int)LatencyMetric.RoundTrip], actualMicroseconds);
            Histograms.RecordClamped(_histograms[(int)LatencyMetric.RoundTripIntended], intendedMicroseconds);
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
                run.Add((LatencyMetric)i, _histograms[i]);
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
            _histograms[(int)LatencyMetric.RoundTrip].Reset();
            _histograms[(int)LatencyMetric.RoundTripIntended].Reset();
            _histograms[(int)LatencyMetric.TurnReply].Reset();
            _histograms[(int)LatencyMetric.TurnReplyIntended].Reset();
        }

        Interlocked.Exchange(ref _framesSent, 0);
        Interlocked.Exchange(ref _framesEchoed, 0);
    }
}
