using System.Diagnostics;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Running;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.Bench.Runs;

/// <summary>Connects a fleet to a target, runs echo probes on the talking share, reads the server from /proc, closes.</summary>
public static class FleetRun
{
    /// <summary>A warm-up step in which the server compiled at most this many methods is a quiet one.</summary>
    public const int SettledJitMethods = 20;

    /// <summary>
    /// The server's JIT has settled after this many quiet steps in a row. One was not enough at N = 10,000: after a quiet
    /// step the tiered JIT went on to compile 1,900-2,700 methods (1.1-2.4 s) inside the window (four runs).
    /// </summary>
    public const int SettledSteps = 2;

    /// <summary>The longest a warm-up is extended while the server is still compiling.</summary>
    public static readonly TimeSpan MaxWarmupExtension = TimeSpan.FromSeconds(45);

    /// <summary>The length of a warm-up extension step.</summary>
    public static readonly TimeSpan WarmupStep = TimeSpan.FromSeconds(3);

    /// <summary>The shortest warm-up that watches the server's JIT: <see cref="SettledSteps"/> steps.</summary>
    public static readonly TimeSpan ShortestWatchedWarmup = SettledSteps * WarmupStep;

    /// <summary>True when <paramref name="spec"/>'s warm-up goes on until the server's JIT has settled.</summary>
    public static bool WatchesJit(FleetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.WarmUntilJitSettles && spec.Warmup >= ShortestWatchedWarmup;
    }
    private static int _prefix;

    /// <summary>Runs <paramref name="spec"/> against <paramref name="url"/>; <paramref name="server"/> is the process measured.</summary>
    public static async Task<FleetFigures> RunAsync(Uri url, string? secret, ChildProcess server, FleetSpec spec, CancellationToken cancellationToken, ChildProcess? stub = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(spec);
        var settings = new DeviceSettings
        {
            Url = url,
            Secret = secret,
            ProtocolVersion = spec.Protocol,
            FrameBytes = spec.Payload,
            DeviceIdPrefix = (byte)Interlocked.Increment(ref _prefix),
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        var plan = new ScenarioPlan { Scenario = Scenario.Echo, TalkingPercent = spec.TalkingPercent, Rate = spec.Rate };
        var descriptorsBefore = ProcStats.OpenDescriptors(server.Pid);
        long? rssBefore = null;
        if (spec.MeasureMemory)
        {
            await server.CollectGarbageAsync().ConfigureAwait(false);
            rssBefore = ProcStats.RssBytes(server.Pid);
        }

        var fleet = new DeviceFleet(settings);
        try
        {
            var connect = await fleet.ConnectAsync(spec.Devices, spec.Ramp, cancellationToken).ConfigureAwait(false);
            double? rssPerDevice = null;
            long? rssAfter = null;
            if (spec.MeasureMemory && connect.Connected > 0)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                await server.CollectGarbageAsync().ConfigureAwait(false);
                rssAfter = ProcStats.RssBytes(server.Pid);
                rssPerDevice = (double)(rssAfter.Value - rssBefore!.Value) / connect.Connected;
            }

            var warmedUp = TimeSpan.Zero;
            if (spec.Warmup > TimeSpan.Zero)
            {
                warmedUp = await WarmUpAsync(fleet, plan, server, spec, cancellationToken).ConfigureAwait(false);
                await fleet.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                fleet.ResetLatencies();
            }

            var cpuBefore = ProcStats.CpuSeconds(server.Pid);
            var stubBefore = stub is null ? 0 : ProcStats.CpuSeconds(stub.Pid);
            var loadBefore = ProcStats.CpuSeconds(Environment.ProcessId);
            var loadGcBefore = GC.CollectionCount(0);
            var loadPauseBefore = GC.GetTotalPauseDuration();
            await server.ResetStatsAsync().ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var timeline = BenchTimeline.Enabled ? new EchoTimeline(spec.Duration, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5)) : null;
            EchoTimeline.Current = timeline;
            await fleet.RunAsync(plan, spec.Duration, cancellationToken).ConfigureAwait(false);
            await fleet.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            EchoTimeline.Current = null;
            WriteToTimeline(timeline, server.Name + $", {spec.Devices} devices");
            var measured = Stopwatch.GetElapsedTime(started);
            // Every CPU reading at the window's end, before the figures are merged: merging 10,000 devices' histograms
            // takes the load generator ~1.4 s, which once counted as 14 points of CPU 0 in a 10 s window.
            var cpu = ProcStats.CpuSeconds(server.Pid) - cpuBefore;
            double? stubCpu = stub is null ? null : ProcStats.CpuSeconds(stub.Pid) - stubBefore;
            var loadCpu = ProcStats.CpuSeconds(Environment.ProcessId) - loadBefore;
            var loadCollections = GC.CollectionCount(0) - loadGcBefore;
            var loadPause = GC.GetTotalPauseDuration() - loadPauseBefore;
            var serverStats = await server.ReadStatsAsync().ConfigureAwait(false);
            var heap = spec.HeapCensus ? HeapCensus.Take(server.Pid) : null;
            return new FleetFigures
            {
                Spec = spec,
                Connected = connect.Connected,
                ConnectElapsed = connect.Elapsed,
                Stats = fleet.Collect(),
                Measured = measured,
                WarmedUp = warmedUp,
                ServerCpuSeconds = cpu,
                Server = serverStats,
                RssPerDevice = rssPerDevice,
                RssAfterConnect = rssAfter,
                Heap = heap,
                Disconnects = fleet.Counters.Disconnects,
                StubCpuSeconds = stubCpu,
                LoadCpuSeconds = loadCpu,
                LoadCollections = loadCollections,
                LoadGcPause = loadPause,
            };
        }
        finally
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            await WaitForDescriptorsAsync(server.Pid, descriptorsBefore).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the warm-up load for <see cref="FleetSpec.Warmup"/>; with <see cref="FleetSpec.WarmUntilJitSettles"/> its last
    /// steps are <see cref="WarmupStep"/> long and it goes on until the server compiled at most
    /// <see cref="SettledJitMethods"/> methods in each of <see cref="SettledSteps"/> steps in a row (a gateway that runs for days is measured, not its first
    /// minute: the tiered JIT of a loaded single-core server was seen recompiling 280-410 methods inside a window that
    /// followed a 15 s warm-up). Returns the warm-up's length.
    /// </summary>
    private static async Task<TimeSpan> WarmUpAsync(DeviceFleet fleet, ScenarioPlan plan, ChildProcess server, FleetSpec spec, CancellationToken cancellationToken)
    {
        if (!WatchesJit(spec))
        {
            await fleet.RunAsync(plan, spec.Warmup, cancellationToken).ConfigureAwait(false);
            return spec.Warmup;
        }

        var warmedUp = spec.Warmup - ShortestWatchedWarmup;
        await fleet.RunAsync(plan, warmedUp, cancellationToken).ConfigureAwait(false);
        var quietSteps = 0;
        while (true)
        {
            await server.ResetStatsAsync().ConfigureAwait(false);
            await fleet.RunAsync(plan, WarmupStep, cancellationToken).ConfigureAwait(false);
            warmedUp += WarmupStep;
            var step = await server.ReadStatsAsync().ConfigureAwait(false);
            quietSteps = step.JitMethods <= SettledJitMethods ? quietSteps + 1 : 0;
            if (quietSteps >= SettledSteps || warmedUp >= spec.Warmup + MaxWarmupExtension)
            {
                return warmedUp;
            }
        }
    }

    /// <summary>The window's slow echoes on the bench timeline, by send time: every bucket with one, and a line per second.</summary>
    private static void WriteToTimeline(EchoTimeline? timeline, string source)
    {
        if (timeline is null)
        {
            return;
        }

        var bucketTicks = (long)(timeline.Bucket.TotalSeconds * Stopwatch.Frequency);
        var perSecond = (int)Math.Round(1 / timeline.Bucket.TotalSeconds);
        long secondEchoes = 0, secondSlow = 0, secondMax = 0;
        foreach (var (index, echoes, slow, max) in timeline.Buckets())
        {
            var at = timeline.Origin + (index * bucketTicks);
            if (slow > 0)
            {
                BenchTimeline.Write(source, FormattableString.Invariant($"sent in this {timeline.Bucket.TotalMilliseconds} ms: {echoes} echoes, {slow} over {timeline.Threshold.TotalMilliseconds} ms, max {max / 1000.0:0.0} ms"), at);
            }

            secondEchoes += echoes;
            secondSlow += slow;
            secondMax = Math.Max(secondMax, max);
            if ((index + 1) % perSecond == 0)
            {
                BenchTimeline.Write(source, FormattableString.Invariant($"sent in the second up to here: {secondEchoes} echoes, {secondSlow} slow, max {secondMax / 1000.0:0.0} ms"), at + bucketTicks);
                secondEchoes = secondSlow = secondMax = 0;
            }
        }
    }

    /// <summary>
    /// Waits (up to 30 s) until the server closed the sessions of the fleet just disposed: its descriptor count is back
    /// near where it was, or has stopped falling for a second (pooled upstream connections stay open).
    /// </summary>
    private static async Task WaitForDescriptorsAsync(int pid, int before)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        var last = int.MaxValue;
        var stableSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var now = ProcStats.OpenDescriptors(pid);
            if (now <= before + 16)
            {
                return;
            }

            if (now < last)
            {
                last = now;
                stableSince = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(stableSince) > TimeSpan.FromSeconds(1))
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
