using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class SessionTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Two_devices_interleaving_turns_get_only_their_own_audio()
    {
        await using var a = await DeviceClient.ConnectAsync(Gateway);
        await using var b = await DeviceClient.ConnectAsync(Gateway);
        await Task.WhenAll(a.HelloAsync(), b.HelloAsync());
        var framesA = DeviceFraming.AudioFrames(30, size: 70, seed: 11);
        var framesB = DeviceFraming.AudioFrames(30, size: 70, seed: 22);

        await a.SendJsonAsync(new { type = "listen", state = "start", mode = "manual" });
        await b.SendJsonAsync(new { type = "listen", state = "start", mode = "manual" });
        for (var i = 0; i < 30; i++)
        {
            await a.SendBinaryAsync(framesA[i]);
            await b.SendBinaryAsync(framesB[i]);
        }

        await b.SendJsonAsync(new { type = "listen", state = "stop" });
        await a.SendJsonAsync(new { type = "listen", state = "stop" });
        var replies = await Task.WhenAll(a.ReceiveUntilTypeAsync("tts", "stop"), b.ReceiveUntilTypeAsync("tts", "stop"));

        new TurnReply(replies[0]).Audio.Should().BeEquivalentTo(framesA, o => o.WithStrictOrdering());
        new TurnReply(replies[1]).Audio.Should().BeEquivalentTo(framesB, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Same_device_reconnecting_replaces_the_old_connection_with_a_clear_reason()
    {
        var deviceId = DeviceIds.NewMac();
        await using var first = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { DeviceId = deviceId });
        await first.HelloAsync();

        await using var second = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { DeviceId = deviceId });
        var (status, reason) = await first.WaitForCloseAsync();

        status.Should().Be(WebSocketCloseStatus.PolicyViolation);
        reason.Should().ContainEquivalentOf("replaced");
        await second.HelloAsync();
        (await second.ChatAsync("new one")).SttText.Should().Be("new one");
    }

    [TestCase("/")]
    [TestCase("/ws")]
    [TestCase("/xiaozhi/v1/")]
    [TestCase("/xiaozhi/v1")]
    public async Task Devices_connect_on_every_configured_path(string path)
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { PathAndQuery = path });

        (await device.HelloAsync()).Get("transport").Should().Be("websocket");
    }
}
