using System.Diagnostics.Metrics;
using HdrHistogram;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// Inside a server child: keeps the counters at the last reset and, when the process hosts the IM, listens to its
/// <c>xiaozhi.im.hop.latency</c> histogram (per direction, µs, HdrHistogram) for <see cref="ServerStats"/>.
/// </summary>
public sealed class ServerStatsRecorder : IDisposable
{
    private const string HopInstrument = "xiaozhi.im.hop.latency";
    private readonly MeterListener? _listener;
    private readonly object _gate = new();
    private readonly LongHistogram _uplink = new(60_000_000, 3);
    private readonly LongHistogram _downlink = new(60_000_000, 3);
    private readonly AllocationSampler? _allocations = AllocationSampler.StartFromEnvironment();
    private bool _sawHops;
    private readonly ExceptionCounter _exceptions = new();
    private (int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated, long Items, long Locks, long Jitted, TimeSpan JitTime, long Exceptions) _start;

    /// <summary>Creates the recorder; <paramref name="listenToHops"/> for the IM host.</summary>
    public ServerStatsRecorder(bool listenToHops)
    {
        if (listenToHops)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Name == HopInstrument)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<double>(OnHop);
            _listener.Start();
        }

        Reset();
    }

    /// <summary>Starts a new window.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _uplink.Reset();
            _downlink.Reset();
            _allocations?.Reset();
            _exceptions.Reset();
            _start = Read();
        }
    }

    /// <summary>The window so far.</summary>
    public ServerStats Snapshot()
    {
        lock (_gate)
        {
            var now = Read();
            _allocations?.WriteWindow($"allocation ticks by type, {now.Allocated - _start.Allocated} B allocated in the window");
            _exceptions.WriteWindow("exceptions by type and throwing method");
            return new ServerStats
            {
                Gen0 = now.Gen0 - _start.Gen0,
                Gen1 = now.Gen1 - _start.Gen1,
                Gen2 = now.Gen2 - _start.Gen2,
                GcPauseMs = (now.Pause - _start.Pause).TotalMilliseconds,
                AllocatedBytes = now.Allocated - _start.Allocated,
                WorkItems = now.Items - _start.Items,
                Threads = ThreadPool.ThreadCount,
                LockContentions = now.Locks - _start.Locks,
                JitMethods = now.Jitted - _start.Jitted,
                JitMs = (now.JitTime - _start.JitTime).TotalMilliseconds,
                Exceptions = now.Exceptions - _start.Exceptions,
                Uplink = _sawHops ? Summarize(_uplink) : null,
                Downlink = _sawHops ? Summarize(_downlink) : null,
            };
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _exceptions.Dispose();
        _listener?.Dispose();
        _allocations?.Dispose();
    }

    private (int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated, long Items, long Locks, long Jitted, TimeSpan JitTime, long Exceptions) Read() =>
        (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
         GC.GetTotalAllocatedBytes(precise: false), ThreadPool.CompletedWorkItemCount, Monitor.LockContentionCount,
         System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime(), _exceptions.Thrown);

    private static HopSummary Summarize(LongHistogram h) => h.TotalCount == 0
        ? default
        : new HopSummary(h.TotalCount, h.GetValueAtPercentile(50), h.GetValueAtPercentile(99), h.GetValueAtPercentile(99.9), h.GetMaxValue());

    private void OnHop(Instrument instrument, double milliseconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var uplink = tags.Length > 0 && tags[0].Value is "uplink";
        var micros = Math.Clamp((long)(milliseconds * 1000), 0, 60_000_000);
        lock (_gate)
        {
            _sawHops = true;
            (uplink ? _uplink : _downlink).RecordValue(micros);
        }
    }
}
