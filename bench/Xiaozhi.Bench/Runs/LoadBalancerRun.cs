using System.Diagnostics;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.Bench.Reporting;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// <c>Xiaozhi.Bench haproxy [devices]</c>: the load balancer's figures, the real haproxy on the shipped
/// <c>deploy/haproxy/haproxy.cfg</c>. (1) Connect + hello p50/p99 for N devices through it in front of two cluster
/// nodes (one redis-server) against the same N straight to one of them, with how it spread them and its memory per
/// device. (2) Its added hop: 200 devices × 50 frames/s echoed by C (the bench's IM) direct and through a second
/// haproxy whose two server lines are both C, in the same run, in the order direct, through, through, direct (so
/// neither side gets only the warmer half).
/// </summary>
public static class LoadBalancerRun
{
    private const int HopDevices = 200;
    private const double HopRate = 50;

    public static async Task<int> RunAsync(int devices, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var options = BenchOptions.Parse([]);
        using var topology = await BenchTopology.StartAsync(false, options.ServerCpus, options.LoadCpus, nativeStub: false).ConfigureAwait(false);
        using var redis = await RedisServer.StartAsync().ConfigureAwait(false);
        // The nodes trust the balancer's X-Forwarded-For, as deployed (docs/deployment.md).
        string[] behindBalancer = ["--ForwardedHeaders:KnownProxies:0", "127.0.0.1"];
        using var nodeA = topology.StartClusterNode("lb-a", redis.Port, TimeSpan.FromSeconds(30), behindBalancer);
        using var nodeB = topology.StartClusterNode("lb-b", redis.Port, TimeSpan.FromSeconds(30), behindBalancer);
        await nodeA.Process.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        await nodeB.Process.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var maxConnections = Math.Max(4_000, (devices * 2) + 100);
        using var fleet = await Haproxy.StartAsync(Balancer("haproxy (2 nodes)", nodeA.Backend, nodeB.Backend, maxConnections)).ConfigureAwait(false);
        var c = new HaproxyBackend(topology.ImUrl.Port, topology.ImManagementPort);
        using var hop = await Haproxy.StartAsync(Balancer("haproxy (C)", c, c, maxConnections)).ConfigureAwait(false);

        // (1) Connect + hello. Both paths warmed first (JIT of the nodes, haproxy's pools), then direct, through, direct.
        await HelloFleet.WarmAsync(nodeA.DeviceUrl, "w1", 100).ConfigureAwait(false);
        await HelloFleet.WarmAsync(fleet.DeviceUrl, "w2", 100).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);

        var direct = await HelloFleet.TimeAsync(nodeA.DeviceUrl, "d", devices).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);

        var rssBefore = ProcStats.RssBytes(fleet.Pid);
        var balanced = new List<double>();
        var sockets = await HelloFleet.ConnectAsync(fleet.DeviceUrl, "b", devices, balanced).ConfigureAwait(false);
        var spread = await fleet.CurrentConnectionsAsync().ConfigureAwait(false);
        var rssPerDevice = (double)(ProcStats.RssBytes(fleet.Pid) - rssBefore) / devices;
        await HelloFleet.CloseAllAsync(sockets).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);

        var directAfter = await HelloFleet.TimeAsync(nodeA.DeviceUrl, "e", devices).ConfigureAwait(false);

        output.WriteLine($"load balancer figures: haproxy {Haproxy.Version()} on deploy/haproxy/haproxy.cfg, two cluster nodes (redis-server), stub in echo mode, all on loopback");
        output.WriteLine($"  connect + hello, {devices} devices, {HelloFleet.Parallel} upgrades in flight:");
        output.WriteLine($"    straight to node A:                 {HelloFleet.P50P99(direct)}");
        output.WriteLine($"    through haproxy to nodes A and B:   {HelloFleet.P50P99(balanced)}");
        output.WriteLine($"    straight to node A again (after):   {HelloFleet.P50P99(directAfter)}");
        output.WriteLine($"  spread (balance leastconn): {string.Join(", ", spread.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))} of {devices}");
        output.WriteLine($"  haproxy RSS per connected device: {rssPerDevice / 1024:0.0} KB");

        // (2) The added hop, C direct against C through haproxy.
        var spec = new FleetSpec
        {
            Devices = HopDevices,
            Rate = HopRate,
            Payload = options.Payload,
            Protocol = options.Protocol,
            Warmup = TimeSpan.FromSeconds(10),
            WarmUntilJitSettles = true,
            Duration = TimeSpan.FromSeconds(10),
            Ramp = options.Ramp,
        };
        var runs = new List<(string Path, FleetFigures Figures, double? BalancerCpu)>();
        foreach (var through in new[] { false, true, true, false })
        {
            var url = through ? hop.DeviceUrl : topology.ImUrl;
            var balancerCpu = ProcStats.CpuSeconds(hop.Pid);
            var clock = Stopwatch.StartNew();
            var figures = await FleetRun.RunAsync(url, BenchTopology.Secret, topology.Im, spec, cancellationToken, topology.Stub).ConfigureAwait(false);
            runs.Add((through ? "through" : "direct", figures, through ? (ProcStats.CpuSeconds(hop.Pid) - balancerCpu) / clock.Elapsed.TotalSeconds * 100 : null));
        }

        output.WriteLine($"  echo round trip, {HopDevices} devices × {HopRate:0}/s, {spec.Payload} B, {spec.Duration.TotalSeconds:0} s windows, in this order:");
        output.WriteLine($"    {"path",-8} {"echoes",8} | {"p50",8} {"p99",8} {"p99.9",8} {"max",8} ms | IM CPU per round trip | haproxy CPU");
        foreach (var (path, figures, balancerCpu) in runs)
        {
            var s = figures.Stats.Summary(LatencyMetric.RoundTrip);
            var cpu = balancerCpu is { } share ? $"{share:0.0} % of a core (warm-up + window)" : "-";
            output.WriteLine($"    {path,-8} {s.Count,8} | {BenchReport.Ms(s.P50),8} {BenchReport.Ms(s.P99),8} {BenchReport.Ms(s.P999),8} {BenchReport.Ms(s.Max),8}    | {figures.CpuMicrosecondsPerRoundTrip,8:0.0} µs           | {cpu}");
        }

        var directRuns = runs.Where(r => r.Path == "direct").Select(r => r.Figures.Stats.Summary(LatencyMetric.RoundTrip)).ToArray();
        var throughRuns = runs.Where(r => r.Path == "through").Select(r => r.Figures.Stats.Summary(LatencyMetric.RoundTrip)).ToArray();
        double Mean(IEnumerable<LatencySummary> summaries, Func<LatencySummary, long> pick) => summaries.Average(x => (double)pick(x));
        output.WriteLine($"  haproxy's added hop (mean of its two runs − mean of the two direct): " +
                         $"p50 {(Mean(throughRuns, x => x.P50) - Mean(directRuns, x => x.P50)) / 1000:0.000} ms, " +
                         $"p99 {(Mean(throughRuns, x => x.P99) - Mean(directRuns, x => x.P99)) / 1000:0.000} ms, " +
                         $"p99.9 {(Mean(throughRuns, x => x.P999) - Mean(directRuns, x => x.P999)) / 1000:0.000} ms");
        var lost = runs.Sum(r => r.Figures.Stats.FramesSent - r.Figures.Stats.FramesEchoed);
        output.WriteLine($"  frames sent but not echoed in the windows: {lost}; disconnects: {runs.Sum(r => r.Figures.Disconnects)}");
        return 0;
    }

    // Every simulated device comes from 127.0.0.1: the per-source limit must not be what is measured.
    private static HaproxySettings Balancer(string name, HaproxyBackend node1, HaproxyBackend node2, int maxConnections) => new([node1, node2])
    {
        Name = name,
        MaxConnections = maxConnections,
        PerSourceConnections = maxConnections,
        CheckInterval = TimeSpan.FromMilliseconds(500),
        WaitUntilAllUp = true,
        KeepLines = 40,
        OnLine = BenchChild.Timeline(name),
    };
}
