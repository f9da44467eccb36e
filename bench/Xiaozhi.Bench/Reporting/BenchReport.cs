using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.Bench.Runs;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.Bench.Reporting;

/// <summary>Formats the harness's sections (written as they complete) and the closing summary against the targets.</summary>
public sealed class BenchReport
{
    private readonly TextWriter _out;
    private readonly List<string> _summary = [];

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public BenchReport(TextWriter output) => _out = output;

    /// <summary>Where the stub and the load generator run ("CPU 0"), for the scaling rows' load line.</summary>
    public string LoadCpuLabel { get; set; } = "CPU 0";

    /// <summary>Machine facts.</summary>
    public void Machine(string pinning, string configuration, string stub, BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
        Line($"Xiaozhi IM benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, profile {(options.Quick ? "quick" : "default")}");
        Line($"machine: {Environment.ProcessorCount} CPUs ({model ?? "unknown model"}), Linux {kernel}, {RuntimeInformation.FrameworkDescription}, open files {Hosting.ProcStats.OpenFilesLimit()}");
        Line($"pinning: {pinning}");
        Line($"stub (B): {stub}");
        Line($"build: {configuration}; servers run with {(options.ServerGc ? "DOTNET_gcServer=1 (the IM's own runtimeconfig setting)" : "DOTNET_gcServer=0 (workstation GC, --gc workstation)")}; payload {options.Payload} B, protocol {options.Protocol}, IM auth on (HS256, {Hosting.BenchTopology.Secret.Length}-byte secret)");
        if (options.ServerEnvironment.Count > 0)
        {
            Line($"servers' extra environment (--server-env): {string.Join(' ', options.ServerEnvironment.Select(v => $"{v.Key}={v.Value}"))}");
        }

        Line("latencies are WebSocket round trips device → server → device, ms; 'intended' = from the scheduled send time (coordinated omission corrected)");
        Line();
    }

    /// <summary>The A/C comparison for one load.</summary>
    public void Comparison(string title, FleetFigures a, FleetFigures c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(c);
        Line($"== {title}: A raw echo vs C IM → stub (echo) ==");
        Line($"{"",-8} {"echoes",9} | {"p50",8} {"p99",8} {"p99.9",8} {"max",8} | intended: {"p50",8} {"p99",8} {"p99.9",8} {"max",8}");
        var sa = a.Stats.Summary(LatencyMetric.RoundTrip);
        var sc = c.Stats.Summary(LatencyMetric.RoundTrip);
        var ia = a.Stats.Summary(LatencyMetric.RoundTripIntended);
        var ic = c.Stats.Summary(LatencyMetric.RoundTripIntended);
        Line($"{"A",-8} {sa.Count,9} | {Ms(sa.P50),8} {Ms(sa.P99),8} {Ms(sa.P999),8} {Ms(sa.Max),8} |           {Ms(ia.P50),8} {Ms(ia.P99),8} {Ms(ia.P999),8} {Ms(ia.Max),8}");
        Line($"{"C",-8} {sc.Count,9} | {Ms(sc.P50),8} {Ms(sc.P99),8} {Ms(sc.P999),8} {Ms(sc.Max),8} |           {Ms(ic.P50),8} {Ms(ic.P99),8} {Ms(ic.P999),8} {Ms(ic.Max),8}");
        Line($"{"C - A",-8} {"",9} | {Ms(sc.P50 - sa.P50),8} {Ms(sc.P99 - sa.P99),8} {Ms(sc.P999 - sa.P999),8} {"",8} |           {Ms(ic.P50 - ia.P50),8} {Ms(ic.P99 - ia.P99),8} {Ms(ic.P999 - ia.P999),8}");
        Line($"{"C / A",-8} {"",9} | {Ratio(sc.P50, sa.P50),8} {Ratio(sc.P99, sa.P99),8} {Ratio(sc.P999, sa.P999),8} {"",8} |           {Ratio(ic.P50, ia.P50),8} {Ratio(ic.P99, ia.P99),8} {Ratio(ic.P999, ia.P999),8}");
        var warmupRule = FleetRun.WatchesJit(c.Spec)
            ? $"at least {c.Spec.Warmup.TotalSeconds:0} s, then {FleetRun.WarmupStep.TotalSeconds:0} s steps until {FleetRun.SettledSteps} steps in a row compiled ≤ {FleetRun.SettledJitMethods} methods in the server, at most {FleetRun.MaxWarmupExtension.TotalSeconds:0} s more"
            : "fixed: too short to watch the server's JIT, which may still compile in the window";
        Line($"warm-up: A {a.WarmedUp.TotalSeconds:0} s, C {c.WarmedUp.TotalSeconds:0} s ({warmupRule})");
        Line($"frames: A sent {a.Stats.FramesSent} echoed {a.Stats.FramesEchoed}; C sent {c.Stats.FramesSent} echoed {c.Stats.FramesEchoed} in {c.Measured.TotalSeconds:0.0} s; errors A {Errors(a.Stats)}, C {Errors(c.Stats)}; disconnects A {a.Disconnects}, C {c.Disconnects}");
        Line($"server CPU: A echo {a.CpuPercent:0.0}% of a core = {a.CpuMicrosecondsPerRoundTrip:0.0} µs per echoed frame; " +
             $"C IM {c.CpuPercent:0.0}% = {c.CpuMicrosecondsPerRoundTrip:0.0} µs per round trip = {c.CpuMicrosecondsPerRoundTrip / 2:0.0} µs per forwarded frame (uplink and downlink each count one)");
        Line($"other CPU in C's window: stub (B) {c.StubCpuSeconds / c.Measured.TotalSeconds * 100:0.0}% of a core, load generator {c.LoadCpuSeconds / c.Measured.TotalSeconds * 100:0.0}% (A's window: load generator {a.LoadCpuSeconds / a.Measured.TotalSeconds * 100:0.0}%); " +
             $"load generator GC {c.LoadCollections} collections, paused {c.LoadGcPause.TotalMilliseconds:0.0} ms (A's window: {a.LoadCollections}, {a.LoadGcPause.TotalMilliseconds:0.0} ms)");
        Line($"inside: A {Inside(a)}");
        Line($"inside: C {Inside(c)}");
        Line($"connect: A {a.Connected} in {a.ConnectElapsed.TotalSeconds:0.000} s, C {c.Connected} in {c.ConnectElapsed.TotalSeconds:0.000} s (C connect+hello p50 {Ms(c.Stats.Summary(LatencyMetric.ConnectToHello).P50)} ms, p99 {Ms(c.Stats.Summary(LatencyMetric.ConnectToHello).P99)} ms)");
        Line();
    }

    /// <summary>A server's own report: GC collections and pause, allocation per round trip, thread pool, in-gateway hop time.</summary>
    public static string Inside(FleetFigures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var s = f.Server;
        var perTrip = f.Stats.FramesEchoed == 0 ? double.NaN : (double)s.AllocatedBytes / f.Stats.FramesEchoed;
        var text = $"GC {s.Gen0}/{s.Gen1}/{s.Gen2} (gen0/1/2), paused {s.GcPauseMs:0.0} ms; allocated {perTrip:0} B per round trip; " +
                   $"{s.WorkItems / Math.Max(f.Measured.TotalSeconds, 1e-9):0} pool items/s, {s.Threads} pool threads, {s.LockContentions} lock contentions; JIT {s.JitMethods} methods, {s.JitMs:0} ms; {s.Exceptions} exceptions";
        if (s.Uplink is { } up && s.Downlink is { } down)
        {
            text += $"; hop µs p50/p99/p99.9/max: uplink {up.P50}/{up.P99}/{up.P999}/{up.Max}, downlink {down.P50}/{down.P99}/{down.P999}/{down.Max}";
        }

        return text;
    }

    /// <summary>Scaling table header.</summary>
    public void ScalingHeader(double talkingPercent)
    {
        Line($"== Scaling: N idle devices through C, {talkingPercent:0.#} % talking at one 60 ms frame each (16.7 frames/s); A with the same N as baseline ==");
        Line($"{"N",6} {"conn C",7} {"conn s",7} {"conn/s",7} {"RSS/dev",9} {"talk",5} {"IM CPU",7} {"µs/fwd",7} | {"C p50",7} {"C p99",7} {"C p99.9",8} | {"A p50",7} {"A p99",7} {"A p99.9",8} | {"+p99",7} {"+p99int",8} | err/disc C");
    }

    /// <summary>One scaling row.</summary>
    public void ScalingRow(FleetFigures c, FleetFigures? a)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sc = c.Stats.Summary(LatencyMetric.RoundTrip);
        var ic = c.Stats.Summary(LatencyMetric.RoundTripIntended);
        var sa = a?.Stats.Summary(LatencyMetric.RoundTrip) ?? default;
        var ia = a?.Stats.Summary(LatencyMetric.RoundTripIntended) ?? default;
        var talking = (int)Math.Round(c.Connected * c.Spec.TalkingPercent / 100);
        var rss = c.RssPerDevice is { } r ? $"{r / 1024:0.0} KB" : "-";
        Line($"{c.Spec.Devices,6} {c.Connected,7} {c.ConnectElapsed.TotalSeconds,7:0.00} {c.Connected / Math.Max(c.ConnectElapsed.TotalSeconds, 1e-9),7:0} {rss,9} {talking,5} {c.CpuPercent,6:0.0}% {c.CpuMicrosecondsPerRoundTrip / 2,7:0.0} | " +
             $"{Ms(sc.P50),7} {Ms(sc.P99),7} {Ms(sc.P999),8} | {Ms(sa.P50),7} {Ms(sa.P99),7} {Ms(sa.P999),8} | {Ms(sc.P99 - sa.P99),7} {Ms(ic.P99 - ia.P99),8} | {c.Stats.ErrorCount}/{c.Disconnects}");
        if (a?.RssPerDevice is { } echoRss && c.RssPerDevice is { } imRss)
        {
            // The raw echo holds a WebSocket and nothing else: the difference is the session and its upstream stream.
            Line($"{"",6}   RSS per idle device: A (WebSocket only) {echoRss / 1024:0.0} KB, C {imRss / 1024:0.0} KB: session + ChatStream {(imRss - echoRss) / 1024:0.0} KB");
        }

        Line($"{"",6}   inside C: {Inside(c)}");
        if (a is not null)
        {
            Line($"{"",6}   warm-up: C {c.WarmedUp.TotalSeconds:0} s, A {a.WarmedUp.TotalSeconds:0} s; {LoadCpuLabel} in C's window: stub (B) {c.StubCpuSeconds / c.Measured.TotalSeconds * 100:0.0}%, " +
                 $"load generator {c.LoadCpuSeconds / c.Measured.TotalSeconds * 100:0.0}% (A's window: load generator {a.LoadCpuSeconds / a.Measured.TotalSeconds * 100:0.0}%, A {a.CpuPercent:0.0}%)");
        }

        if (c.Heap is { } imHeap && a?.Heap is { } echoHeap && c.Connected > 0)
        {
            Line($"{"",6}   reachable objects (ClrMD): C {imHeap.TotalBytes / 1048576.0:0.0} MB, A {echoHeap.TotalBytes / 1048576.0:0.0} MB; C beyond A per device, by part:");
            foreach (var (part, bytes) in HeapCensus.PerDevice(imHeap, echoHeap, c.Connected))
            {
                Line($"{"",6}     {bytes,8:0} B  {part}");
            }

            Line($"{"",6}   the types that grew most, per device (bytes, objects):");
            foreach (var (type, bytes, count) in HeapCensus.TopTypes(imHeap, echoHeap, c.Connected, 15))
            {
                Line($"{"",6}     {bytes,8:0} B {count,6:0.00}  {(type.Length <= 110 ? type : type[..110] + "…")}");
            }
        }

        foreach (var (kind, count) in c.Stats.Errors)
        {
            Line($"{"",6}   C error: {count} × {kind}");
        }
    }

    /// <summary>The restart section.</summary>
    public void Restart(IReadOnlyList<RestartFigures> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        if (rounds.Count == 0)
        {
            return;
        }

        Line();
        Line($"== Backend restart: {rounds[0].Sessions} sessions through C; the stub process killed and restarted on the same port, {rounds.Count} time(s) ==");
        Line($"each session not yet resumed sends a probe frame right after the restart and every {rounds[0].ProbeEvery.TotalSeconds:0.###} s until one is echoed (frames sent into the outage are kept and replayed by the IM)");
        if (rounds[0].ColdStubFirstAnswer is { } cold)
        {
            Line($"the backend's own cold start, measured alone before the sessions connected: a freshly started stub answered its first hello {cold.TotalSeconds:0.000} s after it listened");
        }

        foreach (var r in rounds)
        {
            Line($"round {r.Round}{(r.Round == 1 ? " (the IM's first resume: its resume path is compiled now)" : "")}:");
            Line($"  sessions echoing before the kill: {r.Connected}; stub kill → listening again: {r.StubDownToListening.TotalSeconds:0.000} s");
            Line($"  resumed (a round trip with a frame sent after the kill): {r.Resumed}/{r.Connected}; device disconnects: {r.Disconnected}; waited {r.Waited.TotalSeconds:0.0} s");
            Line(r.ListeningToAllResumed is { } t
                ? $"  all resumed {t.TotalSeconds:0.000} s after the new stub listened ({r.KillToAllResumed!.Value.TotalSeconds:0.000} s after the kill); " +
                  $"the first by {r.ListeningToResumedPercentiles!.Value.First.TotalSeconds:0.000} s, half of them by {r.ListeningToResumedPercentiles!.Value.P50.TotalSeconds:0.000} s, 90 % by {r.ListeningToResumedPercentiles!.Value.P90.TotalSeconds:0.000} s"
                : "  not all sessions resumed within the wait");
            if (r.ImCpuSeconds is { } cpu && r.ImStats is { } im && r.KillToAllResumed is { } window)
            {
                Line($"  the IM from the kill to the last resume: {cpu:0.000} s of CPU in {window.TotalSeconds:0.000} s ({100 * cpu / window.TotalSeconds:0} % of its core), {1000 * cpu / r.Connected:0.00} ms per session; " +
                     $"allocated {im.AllocatedBytes / 1048576.0:0.0} MB; JIT {im.JitMethods} methods / {im.JitMs:0} ms; GC {im.Gen0}/{im.Gen1}/{im.Gen2}, pause {im.GcPauseMs:0.0} ms; {im.WorkItems} thread-pool items; {im.Exceptions} exceptions thrown");
            }

            foreach (var (kind, count) in r.Errors)
            {
                Line($"  device error: {count} × {kind}");
            }
        }

        Line();
    }

    /// <summary>Adds a summary line against a target.</summary>
    public void Target(string figure, string measured, string target) => _summary.Add($"{figure,-52} {measured,-34} {target}");

    /// <summary>Prints the summary.</summary>
    public void Summary()
    {
        Line("== Summary against the issue's targets ==");
        Line($"{"figure",-52} {"measured",-34} target");
        foreach (var line in _summary)
        {
            Line(line);
        }
    }

    /// <summary>A free line.</summary>
    public void Line(string text = "")
    {
        _out.WriteLine(text);
        _out.Flush();
    }

    /// <summary>µs → ms text.</summary>
    public static string Ms(long microseconds) => (microseconds / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Ratio(long c, long a) => a <= 0 ? "-" : ((double)c / a).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private static string Errors(RunStats stats)
    {
        if (stats.ErrorCount == 0)
        {
            return "0";
        }

        var text = new StringBuilder();
        text.Append(stats.ErrorCount).Append(" (");
        text.AppendJoin(", ", stats.Errors.Select(e => $"{e.Value} × {e.Key}"));
        return text.Append(')').ToString();
    }
}
