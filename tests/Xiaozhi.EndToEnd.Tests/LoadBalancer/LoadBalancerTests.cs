using System.Net;
using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests.LoadBalancer;

/// <summary>
/// The shipped HAProxy configuration, run for real in front of two IM nodes: how devices spread, stay, move when a
/// node drains, and which address the nodes see.
/// </summary>
public sealed class LoadBalancerTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("starts its own nodes behind haproxy");

    [Test]
    public async Task Devices_spread_over_both_nodes_and_a_quiet_device_outlives_the_balancers_client_timeout()
    {
        await using var fleet = await BalancedFleet.StartAsync();
        var devices = new List<DeviceClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var device = await DeviceClient.ConnectAsync(fleet.ViaBalancer);
                devices.Add(device);
                await device.HelloAsync();
            }

            var perNode = devices.GroupBy(d => fleet.NodeOf(d.DeviceId)).ToDictionary(g => g.Key ?? -1, g => g.Count());
            perNode.Keys.Should().BeEquivalentTo([0, 1], "both nodes carry devices, and every device has a session");
            perNode.Values.Should().OnlyContain(n => n >= 4, "leastconn spreads held connections evenly ({0})", string.Join(", ", perNode));
            // The shipped file lists three nodes; the one this fleet does not run is out of the rotation.
            var states = await fleet.Balancer.ServerStatusAsync();
            fleet.Balancer.SpareServers.Should().Equal("im3");
            states.Should().Contain("im3", "MAINT", "a spare server takes no device; haproxy's log:\n{0}", fleet.Balancer.Output);

            // Nothing crosses the tunnels for well over the balancer's client and server timeouts (the gateway pings every 30 s).
            await Task.Delay(BalancedFleet.ServerTimeout * 2);

            var replies = await Task.WhenAll(devices.Select((d, i) => d.ChatAsync($"still here {i}")));
            replies.Select(r => r.SttText).Should().Equal(Enumerable.Range(0, 10).Select(i => $"still here {i}"));
            devices.Should().OnlyContain(d => d.CloseStatus == null);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_draining_node_takes_no_new_devices_finishes_its_turn_then_its_devices_reconnect_to_the_other()
    {
        // Paced answers of 60 frames (~3.5 s): the turn is still going while the balancer notices the drain.
        await using var fleet = await BalancedFleet.StartAsync(["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", "60"]);
        var devices = new List<DeviceClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                devices.Add(await DeviceClient.ConnectAsync(fleet.ViaBalancer));
                await devices[^1].HelloAsync();
            }

            var onFirst = devices.Where(d => fleet.NodeOf(d.DeviceId) == 0).ToList();
            onFirst.Should().HaveCount(2, "leastconn put two of four devices on each node");
            var (talking, idle) = (onFirst[0], onFirst[1]);
            await talking.SendJsonAsync(new { type = "chat", text = "a long answer" });
            var beforeDrain = await talking.ReceiveUntilTypeAsync("tts", "start");

            // What SIGTERM does to the process: the host stops, which drains.
            var stopping = fleet.Nodes[0].StopImAsync();
            (await BalancedFleet.ReadinessAsync(fleet.Nodes[0])).Should().Be(HttpStatusCode.ServiceUnavailable);
            await fleet.WaitUntilServersAreAsync("DOWN", "UP");
            talking.CloseStatus.Should().BeNull("its turn is still going");

            var newcomers = new List<DeviceClient>();
            for (var i = 0; i < 4; i++)
            {
                newcomers.Add(await DeviceClient.ConnectAsync(fleet.ViaBalancer));
                devices.Add(newcomers[^1]);
                await newcomers[^1].HelloAsync();
            }

            newcomers.Select(d => fleet.NodeOf(d.DeviceId)).Should().OnlyContain(n => n == 1, "the draining node takes no new devices");

            var rest = await talking.ReceiveUntilTypeAsync("tts", "stop", TimeSpan.FromSeconds(15));
            new TurnReply([.. beforeDrain, .. rest]).SttText.Should().Be("a long answer");
            rest.Count(f => f.IsBinary).Should().BeGreaterThan(0, "the turn went on through the balancer during the drain");
            (await talking.WaitForCloseAsync()).Should().Be((WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
            (await idle.WaitForCloseAsync()).Should().Be((WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
            await stopping.WaitAsync(TimeSpan.FromSeconds(15));

            // The drained node's devices come back through the balancer, as firmware does after a 1001.
            foreach (var gone in onFirst)
            {
                var again = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { DeviceId = gone.DeviceId });
                devices.Add(again);
                await again.HelloAsync();
                fleet.NodeOf(gone.DeviceId).Should().Be(1);
            }

            (await devices[^1].ChatAsync("on the other node")).SttText.Should().Be("on the other node");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task The_nodes_see_each_devices_own_address_from_the_balancer_never_one_a_device_wrote()
    {
        await using var fleet = await BalancedFleet.StartAsync();
        var spoofed = new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.7" };
        await using var honest = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { LocalAddress = IPAddress.Parse("127.0.0.23") });
        await using var liar = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { LocalAddress = IPAddress.Parse("127.0.0.24"), ExtraHeaders = spoofed });
        // Straight to a node, not through the balancer: 127.0.0.25 is no known proxy, so its header counts for nothing.
        await using var direct = await DeviceClient.ConnectAsync(fleet.Nodes[0], new DeviceConnectOptions { LocalAddress = IPAddress.Parse("127.0.0.25"), ExtraHeaders = spoofed });
        await Task.WhenAll(honest.HelloAsync(), liar.HelloAsync(), direct.HelloAsync());

        new[] { fleet.NodeOf(honest.DeviceId), fleet.NodeOf(liar.DeviceId) }.Should().BeEquivalentTo(new int?[] { 0, 1 }, "one device on each node");
        fleet.RemoteAddressOf(honest.DeviceId).Should().Be("127.0.0.23", "the balancer dials from 127.0.0.1 and forwards the device's address (no port: the header has none)");
        fleet.RemoteAddressOf(liar.DeviceId).Should().Be("127.0.0.24", "what the device wrote into X-Forwarded-For is not its address");
        fleet.RemoteAddressOf(direct.DeviceId).Should().StartWith("127.0.0.25:");
    }
}
