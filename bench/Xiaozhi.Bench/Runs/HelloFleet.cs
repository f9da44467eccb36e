using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// Devices that connect and say hello, a fixed number of upgrades in flight, each timed from its connect to the server's
/// hello: the connect figures of the cluster and load-balancer runs. No frames after the hello.
/// </summary>
public static class HelloFleet
{
    /// <summary>Upgrades in flight at once.</summary>
    public const int Parallel = 20;

    /// <summary>Connects <paramref name="count"/> devices <c>{prefix}-000000</c>… to <paramref name="url"/>; adds each one's connect + hello time (ms) to <paramref name="latencies"/>.</summary>
    public static async Task<List<ClientWebSocket>> ConnectAsync(Uri url, string prefix, int count, List<double>? latencies)
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

    /// <summary>Closes every socket (normal closure) and disposes it.</summary>
    public static async Task CloseAllAsync(IEnumerable<ClientWebSocket> sockets)
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

    /// <summary>Connects <paramref name="count"/> devices and closes them again; their connect + hello times (ms).</summary>
    public static async Task<List<double>> TimeAsync(Uri url, string prefix, int count)
    {
        var latencies = new List<double>(count);
        await CloseAllAsync(await ConnectAsync(url, prefix, count, latencies).ConfigureAwait(false)).ConfigureAwait(false);
        return latencies;
    }

    /// <summary>Connects and closes again: what a run measures is then not the first upgrade's JIT.</summary>
    public static async Task WarmAsync(Uri url, string prefix, int count) => await TimeAsync(url, prefix, count).ConfigureAwait(false);

    /// <summary>The figures' line part: nearest-rank p50 and p99 of <paramref name="latencies"/> (ms).</summary>
    public static string P50P99(IReadOnlyCollection<double> latencies) =>
        FormattableString.Invariant($"p50 {Percentile(latencies, 50):0.00} ms  p99 {Percentile(latencies, 99):0.00} ms");

    private static double Percentile(IReadOnlyCollection<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
