using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Xiaozhi.EndToEnd.Tests.Deployment;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests.Hosting;

/// <summary>
/// A node in its own process, SIGTERMed with devices of every kind on it (idle, mid-turn, mid-turn and never reading
/// again), alone or clustered through Sentinel: it must exit within its drain time and a small bound, never at the
/// caller's SIGKILL (a soak saw a 5 s drain take the fleet's whole 20 s grace). It exits after the drain and one
/// Limits:CloseTimeout (the abandoned devices never answer the close); whatever would hang longer is cut by the host's
/// shutdown timeout, the drain and 10 s.
/// </summary>
[NonParallelizable]
public sealed class DrainExitTests
{
    private const string Secret = "drain-exit-tests-secret-0123456789abcdef";

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Closes, upstream completion and the host's own stop after the drain: loose, for a busy 2-core machine.</summary>
    private static readonly TimeSpan AfterDrain = TimeSpan.FromSeconds(7);

    /// <summary>What the caller allows before SIGKILL: far above the bound, so a kill is seen as a slow exit, not hidden.</summary>
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(40);

    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(120_000)]
    public async Task A_SIGTERMed_node_with_idle_talking_and_abandoned_devices_exits_within_its_drain_time(bool clustered)
    {
        // Clustered as the soak's nodes are: through Sentinel.
        await using var redis = clustered ? await RedisSentinelGroup.StartAsync() : null;
        // Paced answers far longer than the drain: the talking devices are still mid-turn when the drain time ends.
        await using var stub = StubNode.Start(new StubNodeSettings { Arguments = ["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", "10000"] });
        await stub.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await using var node = await ImNode.StartAsync(new ImNodeSettings(Secret)
        {
            AiEndpoints = [stub.Address],
            Redis = redis?.Configuration,
            NodeId = clustered ? "drained" : null,
            LogLevel = "Information",
            Arguments = ["--Limits:DrainTimeout", "00:00:05"],
        });
        var endpoint = Gateway.At(node.DeviceUrl, Secret);
        var devices = new List<DeviceClient>();
        var abandoned = new List<ClientWebSocket>();
        var readers = new List<Task>();
        try
        {
            // Two idle devices and two mid-turn ones that read to the end.
            for (var i = 0; i < 4; i++)
            {
                var device = await DeviceClient.ConnectAsync(endpoint);
                devices.Add(device);
                await device.HelloAsync();
            }

            foreach (var device in devices.Skip(2))
            {
                await device.SendJsonAsync(new { type = "chat", text = "a long answer" });
                await device.ReceiveUntilTypeAsync("tts", "start");
            }

            readers.AddRange(devices.Select(ReadUntilClosedAsync));

            // Two mid-turn devices that never read (a board that lost power): no close handshake, and the answer's
            // frames fill the socket's buffers.
            for (var i = 0; i < 2; i++)
            {
                var socket = await DeviceClient.ConnectRawAsync(endpoint);
                abandoned.Add(socket);
                await SendJsonAsync(socket, """{"type":"hello","version":1,"transport":"websocket","audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}""");
                await SendJsonAsync(socket, """{"type":"chat","text":"a long answer"}""");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));

            var clock = Stopwatch.StartNew();
            var exitCode = await node.TerminateAsync(KillGrace);
            var exitedAfter = clock.Elapsed;

            TestContext.Out.WriteLine($"exit code {exitCode} after {exitedAfter.TotalSeconds:F1} s (drain {DrainTimeout.TotalSeconds:F0} s)");
            exitedAfter.Should().BeLessThan(DrainTimeout + AfterDrain, "the node exits by itself soon after its drain time; its output:\n{0}", node.Process.Tail(80));
            exitCode.Should().Be(0, "a drained node exits cleanly");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }

            foreach (var socket in abandoned)
            {
                socket.Abort();
                socket.Dispose();
            }

            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static Task SendJsonAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    [Test]
    public async Task A_short_drain_gets_a_host_shutdown_timeout_of_the_drain_and_ten_seconds_not_the_frameworks_thirty()
    {
        // Whatever hangs past the drain is cut by the host's timeout: it must follow a short drain down.
        (await GatewayStopBudget.HostShutdownTimeoutAsync("--Limits:DrainTimeout", "00:00:05")).Should().Be(TimeSpan.FromSeconds(15));
        (await GatewayStopBudget.HostShutdownTimeoutAsync("--Limits:DrainTimeout", "00:01:00")).Should().Be(TimeSpan.FromSeconds(70));
    }

    private static async Task ReadUntilClosedAsync(DeviceClient device)
    {
        try
        {
            await device.WaitForCloseAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // The node went away or the test ended: only the node's exit time is measured here.
        }
    }
}
