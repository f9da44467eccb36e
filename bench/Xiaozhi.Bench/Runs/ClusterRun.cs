using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Xiaozhi.Bench.Hosting;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// <c>Xiaozhi.Bench cluster [devices]</c>: the cluster's figures in one run — connect + hello p50/p99 for N devices
/// against the single-node IM (C) and a cluster node on a real redis-server; Redis commands per session at connect,
/// idle (from <c>INFO commandstats</c> over a short idle window, scaled to an hour at the default refresh cadence) and
/// disconnect; the time from a node's SIGKILL to its devices served by the other node.
/// </summary>
public static class ClusterRun
{
    private static readonly TimeSpan BenchRefresh = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(int devices, TextWriter output)
    {
        var options = BenchOptions.Parse([]);
        using var topology = await BenchTopology.StartAsync(false, options.ServerCpus, options.LoadCpus, nativeStub: false).ConfigureAwait(false);
        using var redis = await RedisServer.StartAsync().ConfigureAwait(false);
        using var client = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},allowAdmin=true").ConfigureAwait(false);
        var server = client.GetServer("127.0.0.1", redis.Port);
        using var nodeA = topology.StartClusterNode("bench-a", redis.Port, BenchRefresh);
        using var nodeB = topology.StartClusterNode("bench-b", redis.Port, BenchRefresh);
        await nodeA.Process.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        await nodeB.Process.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        // Warm both paths (JIT) before measuring, then measure one after the other in the same run.
        await HelloFleet.WarmAsync(topology.ImUrl, "w1", 100).ConfigureAwait(false);
        await HelloFleet.WarmAsync(nodeA.DeviceUrl, "w2", 100).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);

        var single = await HelloFleet.TimeAsync(topology.ImUrl, "p", devices).ConfigureAwait(false);

        var idleBaseline = await CommandsOverAsync(server, BenchRefresh * 3).ConfigureAwait(false);
        await server.ExecuteAsync("CONFIG", "RESETSTAT").ConfigureAwait(false);
        var clustered = new List<double>();
        var sockets = await HelloFleet.ConnectAsync(nodeA.DeviceUrl, "c", devices, clustered).ConfigureAwait(false);
        var connectCommands = await CountAsync(server).ConfigureAwait(false);
        var idle = await CommandsOverAsync(server, BenchRefresh * 3).ConfigureAwait(false);
        await server.ExecuteAsync("CONFIG", "RESETSTAT").ConfigureAwait(false);
        await HelloFleet.CloseAllAsync(sockets).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var disconnectCommands = await CountAsync(server).ConfigureAwait(false);

        // The single node again, after the cluster run: the first fleet of the run also warms the stub and the load
        // generator, so one order alone would favour whichever runs second.
        var singleAfter = await HelloFleet.TimeAsync(topology.ImUrl, "q", devices).ConfigureAwait(false);

        output.WriteLine($"cluster figures, {devices} devices, {HelloFleet.Parallel} upgrades in flight, stub in echo mode, all on loopback");
        output.WriteLine($"  connect + hello, single node (no Cluster:Redis): {HelloFleet.P50P99(single)}");
        output.WriteLine($"  connect + hello, cluster node (Cluster:Redis):   {HelloFleet.P50P99(clustered)}");
        output.WriteLine($"  connect + hello, single node again (after):      {HelloFleet.P50P99(singleAfter)}");
        output.WriteLine($"  Redis commands per session at connect: {Per(connectCommands, devices)}");
        var refreshes = (BenchRefresh * 3) / BenchRefresh;
        var perRefresh = Subtract(idle, idleBaseline);
        output.WriteLine($"  Redis commands per session per refresh (idle window {BenchRefresh.TotalSeconds * 3:0} s, refresh {BenchRefresh.TotalSeconds:0} s, node heartbeats subtracted): {Per(perRefresh, devices * refreshes)}");
        output.WriteLine($"  => per idle hour at the default Cluster:RefreshInterval {DefaultRefresh.TotalSeconds:0} s: {perRefresh.Values.Sum() / (devices * refreshes) * (3600 / DefaultRefresh.TotalSeconds):0.0} commands per session");
        output.WriteLine($"  Redis commands per session at disconnect: {Per(disconnectCommands, devices)}");

        // SIGKILL node B holding devices; they reconnect through node A at once.
        var moved = Math.Min(devices, 200);
        var onB = await HelloFleet.ConnectAsync(nodeB.DeviceUrl, "k", moved, null).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var killed = Stopwatch.StartNew();
        nodeB.Process.Kill();
        var served = await HelloFleet.ConnectAsync(nodeA.DeviceUrl, "k", moved, null).ConfigureAwait(false);
        killed.Stop();
        output.WriteLine($"  SIGKILL of a node holding {moved} devices → all {served.Count} served (connect + hello) by the other node: {killed.Elapsed.TotalMilliseconds:0} ms");
        foreach (var socket in onB)
        {
            socket.Dispose();
        }

        await HelloFleet.CloseAllAsync(served).ConfigureAwait(false);
        return 0;
    }

    private static async Task<Dictionary<string, double>> CommandsOverAsync(IServer server, TimeSpan window)
    {
        await server.ExecuteAsync("CONFIG", "RESETSTAT").ConfigureAwait(false);
        await Task.Delay(window).ConfigureAwait(false);
        return await CountAsync(server).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, double>> CountAsync(IServer server)
    {
        var info = (string)(await server.ExecuteAsync("INFO", "commandstats").ConfigureAwait(false))!;
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // cmdstat_evalsha:calls=12,usec=…
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && !line.StartsWith("cmdstat_info", StringComparison.Ordinal) && !line.StartsWith("cmdstat_config", StringComparison.Ordinal))
            {
                var name = line[8..line.IndexOf(':', StringComparison.Ordinal)];
                var calls = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..line.IndexOf(',', StringComparison.Ordinal)];
                counts[name] = double.Parse(calls, CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }

    private static Dictionary<string, double> Subtract(Dictionary<string, double> a, Dictionary<string, double> b) =>
        a.ToDictionary(kv => kv.Key, kv => Math.Max(0, kv.Value - b.GetValueOrDefault(kv.Key)));

    private static string Per(Dictionary<string, double> counts, double sessions) =>
        $"{counts.Values.Sum() / sessions:0.00} (" + string.Join(", ", counts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value / sessions:0.00}")) + ")";

}
