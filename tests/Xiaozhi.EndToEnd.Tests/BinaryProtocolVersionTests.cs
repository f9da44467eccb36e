using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class BinaryProtocolVersionTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Protocol_2_device_audio_is_unwrapped_upstream_and_wrapped_back_downstream()
    {
        var sessionId = "v2-" + Guid.NewGuid().ToString("N");
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { ProtocolVersion = 2, SessionId = sessionId });
        await device.HelloAsync();
        var frames = DeviceFraming.AudioFrames(6, size: 100, seed: 2);

        var reply = await device.VoiceTurnAsync(frames, wrap: f => DeviceFraming.WrapV2(f, timestamp: 60));

        reply.SttText.Should().Be($"heard 6 frames, {6 * 100} bytes", "the AI sees raw payloads, not v2 headers");
        var unwrapped = reply.Audio.Select(DeviceFraming.UnwrapV2).ToList();
        unwrapped.Should().OnlyContain(u => u.Type == 0, "downlink audio is Opus (type 0)");
        unwrapped.Select(u => u.Payload).Should().BeEquivalentTo(frames, o => o.WithStrictOrdering());
        if (!E2eTarget.IsExternal)
        {
            var session = await Gateway.StubSessions.WaitForSessionAsync(sessionId, TimeSpan.FromSeconds(5));
            session.Requests.Where(r => r.Kind == ChatFrameKind.Binary).Select(r => r.Data.ToArray())
                .Should().BeEquivalentTo(frames, o => o.WithStrictOrdering());
        }
    }

    [Test]
    public async Task Protocol_3_device_audio_is_unwrapped_upstream_and_wrapped_back_downstream()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { ProtocolVersion = 3 });
        await device.HelloAsync();
        var frames = DeviceFraming.AudioFrames(6, size: 80, seed: 3);

        var reply = await device.VoiceTurnAsync(frames, wrap: f => DeviceFraming.WrapV3(f));

        reply.SttText.Should().Be($"heard 6 frames, {6 * 80} bytes");
        reply.Audio.Select(a => DeviceFraming.UnwrapV3(a).Payload).Should().BeEquivalentTo(frames, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Protocol_2_frame_of_type_json_goes_up_as_text()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { ProtocolVersion = 2 });
        await device.HelloAsync();

        await device.SendBinaryAsync(DeviceFraming.WrapV2("""{"type":"chat","text":"inside v2"}"""u8.ToArray(), type: 1));
        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));

        reply.SttText.Should().Be("inside v2");
    }

    [Test]
    public async Task Malformed_v3_frame_is_an_alert_for_that_frame_and_the_session_and_others_go_on()
    {
        await using var bystander = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { ProtocolVersion = 3 });
        await bystander.HelloAsync();
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { ProtocolVersion = 3 });
        await device.HelloAsync();
        var lying = DeviceFraming.WrapV3([1, 2, 3, 4, 5]);
        lying[3] = 9; // payload_size says 9, 5 bytes follow

        await device.SendBinaryAsync(lying);
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();

        VisionAndImageTests.AssertAlert(alert, "size");
        (await device.VoiceTurnAsync([[7, 7, 7]], wrap: f => DeviceFraming.WrapV3(f))).SttText.Should().Be("heard 1 frames, 3 bytes");
        (await bystander.ChatAsync("unaffected")).SttText.Should().Be("unaffected");
    }
}
