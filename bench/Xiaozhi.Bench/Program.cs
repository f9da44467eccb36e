using System.Globalization;
using Xiaozhi.Bench;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.Bench.Reporting;
using Xiaozhi.Bench.Runs;
using Xiaozhi.Bench.Soak;
using Xiaozhi.DeviceSim.Stats;

// Child-process modes (started by BenchTopology).
if (args is ["serve-echo", var port])
{
    await EchoServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["serve-im", ..])
{
    await ImHost.RunAsync(args[1..]);
    return 0;
}

// The cluster's figures (docs/cluster.md): a run of its own, with its own redis-server and two cluster nodes.
if (args is ["cluster", ..])
{
    return FleetDevices(args) is { } devices ? await ClusterRun.RunAsync(devices, Console.Out) : 2;
}

// The load balancer's figures (docs/performance.md): the real haproxy in front of two cluster nodes, and in front of C.
if (args is ["haproxy", ..])
{
    if (FleetDevices(args) is not { } devices)
    {
        return 2;
    }

    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    return await LoadBalancerRun.RunAsync(devices, Console.Out, stop.Token);
}

// The balancing figures (docs/performance.md): two stubs with faults, one IM node per balancing policy in turn.
if (args is ["balance", ..] && !BenchOptions.WantsHelp(args))
{
    try
    {
        return await BalanceRun.RunAsync(BalanceSpec.Parse(args), Console.Out);
    }
    catch (FormatException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return 2;
    }
}

// The soak (docs/operations.md#soak): the fleet under a seeded fault schedule, checked from the devices' side.
if (args is ["soak", ..])
{
    if (BenchOptions.WantsHelp(args))
    {
        Console.WriteLine(SoakSpec.Help);
        return 0;
    }

    SoakSpec soak;
    try
    {
        soak = SoakSpec.Parse(args[1..]);
    }
    catch (FormatException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return 2;
    }

    var outcome = await SoakFleet.SoakAsync(soak, Console.Error);
    Console.WriteLine(FormattableString.Invariant($"soak: {soak.Duration.TotalMinutes:0.##} min, seed {soak.Seed}, {soak.Devices} devices, {outcome.LeftoverKeys} cluster keys left"));
    Console.Write(outcome.Report);
    return outcome.Report.Passed ? 0 : 1;
}

if (BenchOptions.WantsHelp(args))
{
    Console.WriteLine(BenchOptions.Help);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

if (!options.Cpu0Spin)
{
    // This process shares CPU 0 with the stub: a thread-pool worker that spins (sched_yield) waiting for work takes the
    // core from the other. Set before the thread pool starts (nothing has used it yet).
    AppContext.SetData(BenchTopology.SpinLimitSetting, 0);
}

if (!ProcStats.Available)
{
    await Console.Error.WriteLineAsync("The harness reads CPU and memory from /proc: Linux only.");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = new BenchReport(Console.Out);
void Phase(string text) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {text}");

Phase("starting A (raw echo), B (stub, echo mode, pacing off), C (IM in front of B)");
using var topology = await BenchTopology.StartAsync(options.Pin, options.ServerCpus, options.LoadCpus, options.ServerGc, options.ServerEnvironment, options.NativeStub, options.Cpu0Spin);
report.LoadCpuLabel = topology.LoadCpuLabel;
report.Machine(topology.PinDescription, topology.Configuration, topology.StubDescription, options);
FleetFigures? manyC = null;
FleetFigures? largestScaled = null;
var targets = new List<(string, string, string)>();
try
{
    if (!options.Skip.Contains("latency"))
    {
        foreach (var devices in new[] { 1, options.Devices })
        {
            var spec = new FleetSpec
            {
                Devices = devices,
                Rate = options.Rate,
                Payload = options.Payload,
                Protocol = options.Protocol,
                Warmup = options.Warmup,
                WarmUntilJitSettles = true,
                Duration = options.Duration,
                Ramp = options.Ramp,
            };
            Phase($"latency: {devices} device(s) × {options.Rate} frames/s against A");
            var a = await FleetRun.RunAsync(topology.EchoUrl, null, topology.Echo, spec, cancel.Token);
            Phase($"latency: {devices} device(s) × {options.Rate} frames/s against C");
            var c = await FleetRun.RunAsync(topology.ImUrl, BenchTopology.Secret, topology.Im, spec, cancel.Token, topology.Stub);
            report.Comparison($"{devices} device{(devices == 1 ? "" : "s")} × {options.Rate:0.#} frames/s, {options.Payload} B, {options.Duration.TotalSeconds:0} s", a, c);
            if (devices == options.Devices)
            {
                manyC = c;
                var pa = a.Stats.Summary(LatencyMetric.RoundTrip);
                var pc = c.Stats.Summary(LatencyMetric.RoundTrip);
                var ia = a.Stats.Summary(LatencyMetric.RoundTripIntended);
                var ic = c.Stats.Summary(LatencyMetric.RoundTripIntended);
                report.Target($"added hop latency p99, {devices} devices × {options.Rate:0.#}/s", $"{BenchReport.Ms(pc.P99 - pa.P99)} ms (intended {BenchReport.Ms(ic.P99 - ia.P99)} ms)", "≤ 5 ms (stretch 3 ms)");
                report.Target("CPU per forwarded frame (IM process)", $"{c.CpuMicrosecondsPerRoundTrip / 2:0.0} µs", "≤ 40 µs");
            }
        }
    }

    if (!options.Skip.Contains("scale"))
    {
        report.ScalingHeader(options.TalkingPercent);
        foreach (var n in options.Scale)
        {
            var spec = new FleetSpec
            {
                Devices = n,
                TalkingPercent = options.TalkingPercent,
                Rate = 1000.0 / 60,
                Payload = options.Payload,
                Protocol = options.Protocol,
                // Then on while the server is still compiling: a 10,000-device row run first (--scale 10000) had the IM
                // compile 784 methods (1.6 s of JIT) inside its window after the 2 s warm-up the rows used to have.
                Warmup = options.ScaleWarmup,
                WarmUntilJitSettles = true,
                Duration = options.ScaleDuration,
                Ramp = options.Ramp,
                MeasureMemory = true,
                HeapCensus = options.Heap && n == options.Scale.Max(),
            };
            Phase($"scaling: N = {n} against C");
            var c = await FleetRun.RunAsync(topology.ImUrl, BenchTopology.Secret, topology.Im, spec, cancel.Token, topology.Stub);
            Phase($"scaling: N = {n} against A");
            // The raw echo has no periodic work of its own to wait for: the shortest warm-up that watches its JIT.
            var echoWarmup = FleetRun.ShortestWatchedWarmup < options.ScaleWarmup ? FleetRun.ShortestWatchedWarmup : options.ScaleWarmup;
            var a = await FleetRun.RunAsync(topology.EchoUrl, null, topology.Echo, spec with { Warmup = echoWarmup }, cancel.Token);
            report.ScalingRow(c, a);
            if (c.Connected == n)
            {
                largestScaled = c;
                var added = c.Stats.Summary(LatencyMetric.RoundTrip).P99 - a.Stats.Summary(LatencyMetric.RoundTrip).P99;
                targets.Clear();
                targets.Add(($"connected devices, {options.TalkingPercent:0.#} % talking (largest N)", $"{n} (added p99 {BenchReport.Ms(added)} ms)", "10,000 with added p99 ≤ 5 ms"));
            }
            else
            {
                report.Line($"       N = {n}: only {c.Connected} connected; larger N not attempted");
                break;
            }
        }

        if (largestScaled is not null)
        {
            report.Target($"RSS per idle device after a GC (N = {largestScaled.Spec.Devices})", $"{largestScaled.RssPerDevice / 1024:0.0} KB", "≤ 32 KB (stretch 16 KB)");
            report.Target($"time to connect N = {largestScaled.Spec.Devices} (ramp {options.Ramp:0}/s)", $"{largestScaled.ConnectElapsed.TotalSeconds:0.00} s", "-");
        }

        foreach (var (figure, measured, target) in targets)
        {
            report.Target(figure, measured, target);
        }

        report.Line();
    }

    if (!options.Skip.Contains("restart"))
    {
        Phase($"restart: {options.RestartSessions} sessions, killing and restarting the stub {options.RestartRounds} time(s)");
        var rounds = await RestartRun.RunAsync(topology, options.RestartSessions, options.RestartRounds, options.RestartProbeEvery, options.Payload, options.Ramp, TimeSpan.FromSeconds(10), cancel.Token);
        report.Restart(rounds);
        foreach (var r in rounds)
        {
            report.Target(
                $"{options.RestartSessions} sessions resumed after backend restart {r.Round}" + (r.Round == 1 ? " (IM's first)" : ""),
                r.ListeningToAllResumed is { } t
                    ? $"{t.TotalSeconds:0.000} s, {r.Disconnected} disconnects"
                    : $"{r.Resumed}/{r.Connected} resumed, {r.Disconnected} disconnects",
                "≤ 0.5 s, 0 disconnects");
        }
    }
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
{
    report.Line($"FAILED: {ex.Message}");
    report.Line($"IM output tail:\n{topology.Im.Tail()}");
    report.Line($"stub output tail:\n{topology.Stub.Tail()}");
    report.Summary();
    return 1;
}

_ = manyC;
report.Summary();
return 0;

// The device count of the cluster and haproxy runs, or null after saying on stderr what is wrong with it.
static int? FleetDevices(string[] args)
{
    try
    {
        return BenchOptions.FleetDevices(args);
    }
    catch (FormatException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return null;
    }
}
