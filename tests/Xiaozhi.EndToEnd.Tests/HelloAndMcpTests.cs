using System.Diagnostics;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class HelloAndMcpTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Firmware_hello_is_answered_within_10_s_with_websocket_transport_session_id_and_audio_params()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        var clock = Stopwatch.StartNew();

        var hello = await device.HelloAsync();

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "firmware gives up after 10 s");
        var json = hello.Json();
        json.GetProperty("transport").GetString().Should().Be("websocket");
        json.GetProperty("session_id").GetString().Should().NotBeNullOrEmpty();
        json.GetProperty("audio_params").GetProperty("format").GetString().Should().Be("opus");
        json.GetProperty("audio_params").GetProperty("sample_rate").GetInt32().Should().BePositive();
    }

    [Test]
    public async Task Session_id_header_becomes_the_session_id_the_server_hello_carries()
    {
        var sessionId = "e2e-" + Guid.NewGuid().ToString("N");
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { SessionId = sessionId });

        var hello = await device.HelloAsync();

        hello.Get("session_id").Should().Be(sessionId);
    }

    [Test]
    public async Task Browser_hello_with_only_type_and_features_is_answered_and_pcm_is_mirrored()
    {
        await using var browser = await DeviceClient.ConnectAsync(Gateway);
        await browser.SendTextAsync("""{"type":"hello","features":{"mcp":false}}""");
        var hello = (await browser.ReceiveUntilTypeAsync("hello")).Last();
        hello.Json().GetProperty("transport").GetString().Should().Be("websocket");

        await using var pcmDevice = await DeviceClient.ConnectAsync(Gateway);
        var pcmHello = await pcmDevice.HelloAsync(format: "pcm");
        pcmHello.Json().GetProperty("audio_params").GetProperty("format").GetString().Should().Be("pcm");
    }

    [Test]
    public async Task Mcp_device_gets_initialize_then_paged_tools_list_and_the_ai_keeps_all_tools()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        string[] tools = ["self.light.set", "self.volume.set", "self.camera.take_photo", "self.reboot", "self.battery.get"];
        var mcp = new DeviceMcpServer(device, tools, pageSize: 2);

        await device.HelloAsync(mcp: true, mcpServer: mcp);
        // initialize, then tools/list pages (2 + 2 + 1): keep answering until the last page went out.
        while (mcp.MethodsSeen.Count(m => m == "tools/list") < 3)
        {
            var frame = await device.ReceiveAsync();
            (await mcp.TryAnswerAsync(frame)).Should().BeTrue($"only MCP requests are expected now, got {frame}");
        }

        mcp.MethodsSeen.Should().Equal("initialize", "tools/list", "tools/list", "tools/list");
        if (!E2eTarget.IsExternal)
        {
            var session = Gateway.StubSessions.Sessions.Single(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
            await Eventually.Async(() => session.DeviceToolNames.Should().BeEquivalentTo(tools));
        }
    }

    [Test]
    public async Task Mcp_tools_call_round_trip_is_spoken_back()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        var mcp = new DeviceMcpServer(device, ["self.light.set"]);
        await device.HelloAsync(mcp: true, mcpServer: mcp);
        while (!mcp.MethodsSeen.Contains("tools/list"))
        {
            await mcp.TryAnswerAsync(await device.ReceiveAsync());
        }

        await device.SendJsonAsync(new { type = "chat", text = """/mcp self.light.set {"on":true}""" });
        var frames = new List<DeviceFrame>();
        while (true)
        {
            var frame = await device.ReceiveAsync();
            if (await mcp.TryAnswerAsync(frame))
            {
                continue;
            }

            frames.Add(frame);
            if (frame.JsonType == "tts" && frame.Get("state") == "stop")
            {
                break;
            }
        }

        mcp.MethodsSeen.Should().Contain("tools/call");
        var reply = new TurnReply(frames);
        reply.SentenceText.Should().Contain("self.light.set ok").And.Contain("\"on\":true");
    }
}
