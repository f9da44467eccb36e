using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>A real device WebSocket through the real IM host to the in-test AIService and back.</summary>
[Parallelizable(ParallelScope.None)]
public class SessionRoundTripTests
{
    private WebApplication _ai = null!;
    private FakeAiService _service = null!;
    private ImHost _host = null!;
    private Uri _aiAddress = null!;

    [SetUp]
    public async Task SetUp()
    {
        (_ai, _aiAddress, _service) = await FakeAiService.StartAsync();
        _host = await ImHost.StartAsync(_aiAddress, "--Ai:MaxMessageBytes", "65536", "--WebSocket:MaxTextFrameBytes", "131072");
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _ai.StopAsync();
        await _ai.DisposeAsync();
    }

    // The firmware headers the round trips assert on: Client-Id client-1, an explicit Protocol-Version, user_id 42.
    private static Task<DeviceClient> ConnectAsync(ImHost host, string deviceId, int protocolVersion = 1, string? sessionId = null) =>
        DeviceClient.ConnectAsync(host, new DeviceConnectOptions { DeviceId = deviceId, ClientId = "client-1", ProtocolVersion = protocolVersion, SessionId = sessionId });

    // The close is the next message: nothing came before it.
    private static async Task ExpectCloseNextAsync(DeviceClient device)
    {
        await device.WaitForCloseAsync();
        device.Drain().Should().BeEmpty();
    }

    private static string AlertMessage(string json)
    {
        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("type").GetString().Should().Be("alert");
        document.RootElement.GetProperty("status").GetString().Should().Be("error");
        document.RootElement.GetProperty("emotion").GetString().Should().Be("sad");
        return document.RootElement.GetProperty("message").GetString()!;
    }

    [Test]
    public async Task Text_goes_up_byte_exact_with_ids_and_headers_and_comes_back_byte_exact()
    {
        await using var device = await ConnectAsync(_host, "aa:bb", sessionId: "s-77");
        const string Hello = "{ \"type\" : \"listen\",\"state\":\"start\", \"z\":1,\"a\":2 }";
        await device.SendTextAsync(Hello);
        (await device.ReceiveTextAsync()).Should().Be(Hello);
        await device.SendTextAsync("ping, not json");
        (await device.ReceiveTextAsync()).Should().Be("ping, not json");

        var headers = _service.OpenedStreams.Single();
        headers.GetValue(SessionMetadataHeaders.DeviceId).Should().Be("aa:bb");
        headers.GetValue(SessionMetadataHeaders.ClientId).Should().Be("client-1");
        headers.GetValue(SessionMetadataHeaders.SessionId).Should().Be("s-77");
        headers.GetValue(SessionMetadataHeaders.UserId).Should().Be("42");
        headers.GetValue(SessionMetadataHeaders.ProtocolVersion).Should().Be("1");

        var request = _service.Requests.First();
        request.GetKind().Should().Be(ChatFrameKind.Text);
        request.MessageData.ToStringUtf8().Should().Be(Hello);
        (request.SessionId, request.DeviceId, request.ClientId).Should().Be(("s-77", "aa:bb", "client-1"));
        request.Timestamp.Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 60_000);
    }

    [Test]
    public async Task V2_audio_is_unwrapped_upstream_and_wrapped_downstream_and_malformed_frames_only_alert()
    {
        await using var device = await ConnectAsync(_host, "v2-device", protocolVersion: 2);
        byte[] opus = [1, 2, 3, 4, 5];
        await device.SendBinaryAsync(BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, opus, 1234));
        var (type, data) = await device.ReceiveAsync();
        type.Should().Be(WebSocketMessageType.Binary);
        var back = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, data);
        back.IsValid.Should().BeTrue();
        data.AsSpan(back.PayloadOffset, back.PayloadLength).ToArray().Should().Equal(opus);
        _service.Requests.Single().MessageData.ToByteArray().Should().Equal(opus);
        _service.Requests.Single().DeviceId.Should().Be("v2-device");

        await device.SendBinaryAsync([0, 2, 0, 0]);
        AlertMessage(await device.ReceiveTextAsync()).Should().Be("Invalid binary frame: protocol 2 frame of 4 bytes is shorter than its 16-byte header.");

        // A v2 frame of type JSON goes up as text.
        var json = "{\"type\":\"listen\",\"state\":\"start\"}"u8.ToArray();
        byte[] jsonFrame = [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)json.Length, .. json];
        await device.SendBinaryAsync(jsonFrame);
        (await device.ReceiveTextAsync()).Should().Be(Encoding.UTF8.GetString(json));
    }

    [Test]
    public async Task Zero_length_v1_frame_is_forwarded()
    {
        await using var device = await ConnectAsync(_host, "zero");
        await device.SendBinaryAsync([]);
        var (type, data) = await device.ReceiveAsync();
        type.Should().Be(WebSocketMessageType.Binary);
        data.Should().BeEmpty();
    }

    [Test]
    public async Task Ai_error_becomes_an_alert_unknown_types_are_skipped_and_hello_transport_is_fixed()
    {
        await using var device = await ConnectAsync(_host, "err");
        await device.SendTextAsync("!error");
        AlertMessage(await device.ReceiveTextAsync()).Should().Be("The image could not be read");
        await device.SendTextAsync("!unknown");
        (await device.ReceiveTextAsync()).Should().Be("after-unknown");
        await device.SendTextAsync("!hello-udp");
        (await device.ReceiveTextAsync()).Should().Be("{\"type\":\"hello\",\"transport\":\"websocket\",\"session_id\":\"x\"}");
    }

    [Test]
    public async Task Frame_over_the_ai_limit_is_not_sent_and_the_session_goes_on()
    {
        await using var device = await ConnectAsync(_host, "big");
        await device.SendTextAsync("{\"type\":\"image\",\"data\":\"" + new string('A', 70_000) + "\"}");
        AlertMessage(await device.ReceiveTextAsync()).Should().StartWith("Message not sent: ").And.EndWith("exceeds the AI service limit of 65536 bytes (Ai:MaxMessageBytes).");
        await device.SendTextAsync("still here");
        (await device.ReceiveTextAsync()).Should().Be("still here");
        _service.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task Frame_over_the_websocket_limit_closes_1009()
    {
        await using var device = await ConnectAsync(_host, "huge");
        await device.SendTextAsync(new string('x', 200_000));
        await ExpectCloseNextAsync(device);
        device.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        device.CloseDescription.Should().Be("text message larger than 131072 bytes");
    }

    [Test]
    public async Task Binary_frame_over_the_websocket_limit_closes_1009()
    {
        await using var device = await ConnectAsync(_host, "huge-audio");
        await device.SendBinaryAsync(new byte[300_000]);
        await ExpectCloseNextAsync(device);
        device.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        device.CloseDescription.Should().Be("binary message larger than 262144 bytes");
    }

    [TestCase("!end")]
    [TestCase("!fail")]
    public async Task Upstream_end_while_the_device_is_connected_resumes_the_session_on_a_new_stream(string command)
    {
        await using var device = await ConnectAsync(_host, "ending");
        await device.SendTextAsync(command);
        await WaitUntilAsync(() => _service.OpenedStreams.Count == 2);

        await device.SendTextAsync("still here");
        (await device.ReceiveTextAsync()).Should().Be("still here", "the new stream carries the session and no alert came first");
        device.State.Should().Be(WebSocketState.Open);
        _service.OpenedStreams.Select(h => h.GetValue(SessionMetadataHeaders.DeviceId)).Should().Equal("ending", "ending");
    }

    [Test]
    public async Task Upstream_end_with_a_backend_refusing_new_streams_alerts_then_closes_1011_after_the_resume_timeout()
    {
        await using var host = await ImHost.StartAsync(_aiAddress, "--Ai:Resume:Timeout", "00:00:01", "--Ai:Resume:InitialBackoff", "00:00:00.05");
        await using var device = await ConnectAsync(host, "ending-for-good");
        _service.RefuseNewStreams = true;
        await device.SendTextAsync("!fail");

        AlertMessage(await device.ReceiveTextAsync()).Should().Be(DeviceAlertMessages.UpstreamFailed);
        await ExpectCloseNextAsync(device);
        device.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
        device.CloseDescription.Should().Be("connection to the AI service lost (reconnect timed out)");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Test]
    public async Task Same_device_reconnecting_replaces_the_old_session_with_1008()
    {
        await using var first = await ConnectAsync(_host, "same");
        // A round trip first: the 101 can reach the client before the server registered the session, and a second
        // connection registered before it would be the one replaced.
        await first.SendTextAsync("first is live");
        (await first.ReceiveTextAsync()).Should().Be("first is live");
        await using var second = await ConnectAsync(_host, "same");
        await ExpectCloseNextAsync(first);
        first.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        first.CloseDescription.Should().Be("replaced by a new connection for this device");
        await second.SendTextAsync("new one works");
        (await second.ReceiveTextAsync()).Should().Be("new one works");
    }

    [Test]
    public async Task Device_close_gets_1000_and_the_upstream_is_completed()
    {
        await using var device = await ConnectAsync(_host, "bye");
        await device.CloseAsync();
        device.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
    }

    [Test]
    public async Task Host_shutdown_closes_sessions_with_1001()
    {
        await using var device = await ConnectAsync(_host, "shutdown");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.App.StopAsync(timeout.Token);
        await ExpectCloseNextAsync(device);
        device.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        device.CloseDescription.Should().Be("server shutting down");
    }
}
