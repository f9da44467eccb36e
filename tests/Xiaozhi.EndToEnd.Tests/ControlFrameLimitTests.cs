using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Text frames other than chat / image / vision have their own limit (<c>WebSocket:MaxControlFrameBytes</c>, 64 KiB):
/// a hello or listen start is kept for the session's life and re-sent on every resume, so past it the device gets the
/// answer of any oversized frame (close 1009 with the limit), and the node's other sessions go on.
/// </summary>
public sealed class ControlFrameLimitTests
{
    [TestCase("hello")]
    [TestCase("listen")]
    [TestCase("mcp")]
    public async Task A_control_frame_past_its_limit_closes_1009_and_another_session_goes_on(string type)
    {
        await using var gateway = await Gateway.StartAsync();
        await using var other = await DeviceClient.ConnectAsync(gateway);
        await other.HelloAsync();
        await using var device = await DeviceClient.ConnectAsync(gateway);
        if (type != "hello")
        {
            await device.HelloAsync();
        }

        await device.SendTextAsync($"{{\"type\":\"{type}\",\"state\":\"start\",\"pad\":\"{new string('x', 64 * 1024)}\"}}");

        var (status, reason) = await device.WaitForCloseAsync();
        status.Should().Be(WebSocketCloseStatus.MessageTooBig);
        reason.Should().Be("text message larger than 65536 bytes");
        (await other.ChatAsync("still answered")).SttText.Should().Be("still answered");
    }

    [Test]
    public async Task A_chat_larger_than_the_control_limit_is_still_a_request()
    {
        await using var gateway = await Gateway.StartAsync();
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        var text = new string('x', 100_000);

        (await device.ChatAsync(text)).SttText.Should().Be(text);
        device.CloseStatus.Should().BeNull();
    }
}
