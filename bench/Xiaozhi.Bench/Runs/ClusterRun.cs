using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using StackExchange.Redis;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// <c>Xiaozhi.Bench cluster [devices]</c>: the cluster's figures in one run — connect + hello p50/p99 for N devices
/// against the single-node IM (C) and a cluster node on a real redis-server; Redis commands per session at connect,
/// idle (from <c>INFO commandstats</c> over a short idle window, scaled to an hour at the default refresh cadence) and
/// disconnect; the time from a node's SIGKILL to its devices served by the other node.
/// </summary>
public static class ClusterRun
{
    private const int Parallel = 20;
    private static readonly TimeSpan BenchRefresh = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(int devices, TextWriter output)
    {
        var options = BenchOptions.Parse([]);
        using var topology = await BenchTopology.StartAsync(false, options.ServerCpus, options.LoadCpus, nativeStub: false).ConfigureAwait(false);
        var redisPort = FreePort.Pick();
        using var redis = ChildProcess.Start("redis", "/usr/bin/redis-server", ["--port", Port(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], null);
        if (!await FreePort.WaitListeningAsync(redisPort, TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            throw new InvalidOperationException("redis-server did not listen (is it installed? apt-get install redis-server)");
        }

        var client = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},allowAdmin=true").ConfigureAwait(false);
        var server = client.GetServer("127.0.0.1", redisPort);
        var (nodeA, urlA) = StartNode(topology, redisPort, "bench-a");
        var (nodeB, urlB) = StartNode(topology, redisPort, "bench-b");
        using (nodeA)
        using (nodeB)
        {
            await nodeA.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            await nodeB.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

            // Warm both paths (JIT) before measuring, then measure one after the other in the same run.
            await CloseAllAsync(await ConnectFleetAsync(topology.ImUrl, "w1", 100, null).ConfigureAwait(false)).ConfigureAwait(false);
            await CloseAllAsync(await ConnectFleetAsync(urlA, "w2", 100, null).ConfigureAwait(false)).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);

            var single = new List<double>();
            var plain = await ConnectFleetAsync(topology.ImUrl, "p", devices, single).ConfigureAwait(false);
            await CloseAllAsync(plain).ConfigureAwait(false);

            var idleBaseline = await CommandsOverAsync(server, BenchRefresh * 3).ConfigureAwait(false);
            await server.ExecuteAsync("CONFIG", "RESETSTAT").ConfigureAwait(false);
            var clustered = new List<double>();
            var sockets = await ConnectFleetAsync(urlA, "c", devices, clustered).ConfigureAwait(false);
            var connectCommands = await CountAsync(server).ConfigureAwait(false);
            var idle = await CommandsOverAsync(server, BenchRefresh * 3).ConfigureAwait(false);
            await server.ExecuteAsync("CONFIG", "RESETSTAT").ConfigureAwait(false);
            await CloseAllAsync(sockets).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            var disconnectCommands = await CountAsync(server).ConfigureAwait(false);

            // The single node again, after the cluster run: the first fleet of the run also warms the stub and the load
            // generator, so one order alone would favour whichever runs second.
            var singleAfter = new List<double>();
            await CloseAllAsync(await ConnectFleetAsync(topology.ImUrl, "q", devices, singleAfter).ConfigureAwait(false)).ConfigureAwait(false);

            output.WriteLine($"cluster figures, {devices} devices, {Parallel} upgrades in flight, stub in echo mode, all on loopback");
            output.WriteLine($"  connect + hello, single node (no Cluster:Redis): p50 {P(single, 50):0.00} ms  p99 {P(single, 99):0.00} ms");
            output.WriteLine($"  connect + hello, cluster node (Cluster:Redis):   p50 {P(clustered, 50):0.00} ms  p99 {P(clustered, 99):0.00} ms");
            output.WriteLine($"  connect + hello, single node again (after):      p50 {P(singleAfter, 50):0.00} ms  p99 {P(singleAfter, 99):0.00} ms");
            output.WriteLine($"  Redis commands per session at connect: {Per(connectCommands, devices)}");
            var refreshes = (BenchRefresh * 3) / BenchRefresh;
            var perRefresh = Subtract(idle, idleBaseline);
            output.WriteLine($"  Redis commands per session per refresh (idle window {BenchRefresh.TotalSeconds * 3:0} s, refresh {BenchRefresh.TotalSeconds:0} s, node heartbeats subtracted): {Per(perRefresh, devices * refreshes)}");
            output.WriteLine($"  => per idle hour at the default Cluster:RefreshInterval {DefaultRefresh.TotalSeconds:0} s: {perRefresh.Values.Sum() / (devices * refreshes) * (3600 / DefaultRefresh.TotalSeconds):0.0} commands per session");
            output.WriteLine($"  Redis commands per session at disconnect: {Per(disconnectCommands, devices)}");

            // SIGKILL node B holding devices; they reconnect through node A at once.
            var moved = Math.Min(devices, 200);
            var onB = await ConnectFleetAsync(urlB, "k", moved, null).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            var killed = Stopwatch.StartNew();
            nodeB.Kill();
            var served = await ConnectFleetAsync(urlA, "k", moved, null).ConfigureAwait(false);
            killed.Stop();
            output.WriteLine($"  SIGKILL of a node holding {moved} devices → all {served.Count} served (connect + hello) by the other node: {killed.Elapsed.TotalMilliseconds:0} ms");
            foreach (var socket in onB)
            {
                socket.Dispose();
            }

            await CloseAllAsync(served).ConfigureAwait(false);
        }

        redis.Kill();
        return 0;
    }

    private static (ChildProcess Node, Uri Url) StartNode(BenchTopology topology, int redisPort, string nodeId)
    {
        var port = FreePort.Pick();
        var node = ChildProcess.Start(nodeId, Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Bench.dll"),
        [
            "serve-im", "--urls", $"http://127.0.0.1:{port}", "--Ai:Endpoints:0", $"http://127.0.0.1:{topology.StubPort}",
            "--Auth:JwtSecret", BenchTopology.Secret, "--Management:Urls", "http://127.0.0.1:0",
            "--Admission:MaxConcurrentSessions", "100000", "--Admission:PerIpConnectionBurst", "1000000",
            "--Admission:PerIpConnectionsPerSecond", "1000000", "--Logging:LogLevel:Default", "Warning",
            "--Cluster:Redis", $"127.0.0.1:{redisPort}", "--Cluster:NodeId", nodeId,
            "--Cluster:RefreshInterval", BenchRefresh.ToString("c", CultureInfo.InvariantCulture),
        ], null);
        return (node, new Uri($"ws://127.0.0.1:{port}/xiaozhi/v1/"));
    }

    private static async Task<List<ClientWebSocket>> ConnectFleetAsync(Uri url, string prefix, int count, List<double>? latencies)
    {
        var sockets = new ClientWebSocket[count];
        var times = new double[count];
        using var gate = new SemaphoreSlim(Parallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var deviceId = $"{prefix}-{i:D6}";
                var clock = Stopwatch.StartNew();
                var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.Zero;
                socket.Options.SetRequestHeader("Authorization", "Bearer " + DeviceTokens.Mint(BenchTopology.Secret, deviceId, 1, TimeSpan.FromHours(1)));
                socket.Options.SetRequestHeader("Device-Id", deviceId);
                socket.Options.SetRequestHeader("Client-Id", deviceId);
                await socket.ConnectAsync(url, CancellationToken.None).ConfigureAwait(false);
                await socket.SendAsync("""{"type":"hello","version":1,"transport":"websocket","audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                var buffer = new byte[4096];
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        throw new InvalidOperationException($"device {deviceId} closed before hello: {socket.CloseStatus} {socket.CloseStatusDescription}");
                    }

                    if (result.MessageType == WebSocketMessageType.Text && Encoding.UTF8.GetString(buffer, 0, result.Count).Contains("\"hello\"", StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                times[i] = clock.Elapsed.TotalMilliseconds;
                sockets[i] = socket;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        latencies?.AddRange(times);
        return [.. sockets];
    }

    private static async Task CloseAllAsync(IEnumerable<ClientWebSocket> sockets)
    {
        await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                await s.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
            }

            s.Dispose();
        })).ConfigureAwait(false);
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

    private static double P(List<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
