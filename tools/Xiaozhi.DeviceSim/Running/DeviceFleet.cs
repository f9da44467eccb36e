using System.Diagnostics;
using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Running;

/// <summary>
/// N simulated devices against one URL: a paced connect (ramp), a scenario run for a duration, merged statistics,
/// and a bounded close. Used by the CLI and in-process by the benchmark harness.
/// </summary>
public sealed class DeviceFleet : IAsyncDisposable
{
    private readonly DeviceSettings _settings;
    private readonly List<SimulatedDevice> _devices = [];

    /// <summary>An empty fleet.</summary>
    public DeviceFleet(DeviceSettings settings, RunCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!LoopbackGuard.IsLoopback(settings.Url))
        {
            throw new ArgumentException("Only ws:// or wss:// URLs on a loopback address (127.0.0.0/8, ::1, localhost) are allowed.", nameof(settings));
        }

        _settings = settings;
        Counters = counters ?? new RunCounters();
    }

    /// <summary>Live counters.</summary>
    public RunCounters Counters { get; }

    /// <summary>Every device created so far (connected or not).</summary>
    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>Devices currently open.</summary>
    public int OpenCount => _devices.Count(d => d.IsOpen);

    /// <summary>
    /// Adds and connects <paramref name="count"/> devices at <paramref name="perSecond"/> connections per second
    /// (0 = as fast as <paramref name="maxInFlight"/> allows).
    /// </summary>
    public async Task<ConnectReport> ConnectAsync(int count, double perSecond, CancellationToken cancellationToken, int maxInFlight = 128)
    {
        var first = _devices.Count;
        using var inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        var tasks = new List<Task<bool>>(count);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
        {
            if (perSecond > 0)
            {
                var due = started + (long)(i / perSecond * Stopwatch.Frequency);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                }
            }

            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            var device = new SimulatedDevice(first + i, _settings, Counters);
            _devices.Add(device);
            tasks.Add(ConnectOneAsync(device, inFlight, cancellationToken));
        }

        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return new ConnectReport(count, results.Count(r => r), Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Runs <paramref name="plan"/> on the open devices for <paramref name="duration"/>; returns when every device loop ended.</summary>
    public async Task RunAsync(ScenarioPlan plan, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        // Idle devices share one delay: a timer each (9,500 at N = 10,000) would all fire at the window's end, a burst of
        // work on the measuring core just as the talking devices' last frames come back.
        var loops = new List<Task>();
        var anyIdle = false;
        foreach (var device in _devices)
        {
            if (!device.IsOpen)
            {
                continue;
            }

            if (plan.Talks(device.Index))
            {
                loops.Add(Task.Run(() => device.RunAsync(plan.Scenario, plan, end, cancellationToken), CancellationToken.None));
            }
            else
            {
                anyIdle = true;
            }
        }

        if (anyIdle)
        {
            loops.Add(Task.Delay(duration, cancellationToken));
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits (bounded) until every probe sent has been echoed, or <paramref name="limit"/> passed.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var outstanding = _devices.Where(d => d.IsOpen).Sum(d => d.Stats.FramesSent - d.Stats.FramesEchoed);
            if (outstanding <= 0)
            {
                return;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Merges every device's figures.</summary>
    public RunStats Collect(Func<SimulatedDevice, bool>? which = null)
    {
        var run = new RunStats();
        foreach (var device in _devices)
        {
            if (which is null || which(device))
            {
                device.Stats.AddTo(run);
            }
        }

        return run;
    }

    /// <summary>Forgets latencies and frame counts so far (e.g. after a warm-up).</summary>
    public void ResetLatencies()
    {
        foreach (var device in _devices)
        {
            device.Stats.ResetLatencies();
        }
    }

    /// <summary>Closes every device (close handshakes bounded by <paramref name="timeout"/>; zero aborts).</summary>
    public async Task CloseAllAsync(TimeSpan timeout)
    {
        const int batch = 512;
        for (var i = 0; i < _devices.Count; i += batch)
        {
            await Task.WhenAll(_devices.Skip(i).Take(batch).Select(d => d.CloseAsync(timeout))).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAllAsync(TimeSpan.Zero).ConfigureAwait(false);
        foreach (var device in _devices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }

        _devices.Clear();
    }

    private static async Task<bool> ConnectOneAsync(SimulatedDevice device, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            return await device.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            inFlight.Release();
        }
    }
}
