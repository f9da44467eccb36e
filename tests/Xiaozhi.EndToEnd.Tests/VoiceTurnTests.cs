using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class VoiceTurnTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Manual_voice_turn_returns_the_audio_byte_identical_and_in_order()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();
        var frames = DeviceFraming.AudioFrames(25, size: 160);

        var reply = await device.VoiceTurnAsync(frames);

        reply.Sequence.Should().Equal("stt", "llm", "tts:start", "tts:sentence_start", "tts:sentence_end", "tts:stop");
        reply.SttText.Should().Be($"heard 25 frames, {25 * 160} bytes");
        reply.Audio.Should().HaveCount(25);
        reply.Audio.Should().BeEquivalentTo(frames, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Auto_mode_turn_ends_on_server_side_silence_and_returns_the_audio()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();
        var frames = DeviceFraming.AudioFrames(8, size: 90, seed: 7);

        var reply = await device.VoiceTurnAsync(frames, mode: "auto");

        reply.SttText.Should().Be($"heard 8 frames, {8 * 90} bytes");
        reply.Audio.Should().BeEquivalentTo(frames, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Zero_length_binary_frame_is_forwarded_like_any_other_and_not_played_back()
    {
        var sessionId = "marker-" + Guid.NewGuid().ToString("N");
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { SessionId = sessionId });
        await device.HelloAsync();
        List<byte[]> frames = [[1, 2, 3], [], [4, 5]];

        var reply = await device.VoiceTurnAsync(frames);

        reply.SttText.Should().Be("heard 2 frames, 5 bytes", "the stub takes the empty frame for an end-of-speech marker, not audio");
        reply.Audio.Should().BeEquivalentTo(new List<byte[]> { frames[0], frames[2] }, o => o.WithStrictOrdering());
        if (!E2eTarget.IsExternal)
        {
            var session = await Gateway.StubSessions.WaitForSessionAsync(sessionId, TimeSpan.FromSeconds(5));
            session.Requests.Where(r => r.Kind == ChatFrameKind.Binary).Select(r => r.Data.ToArray())
                .Should().BeEquivalentTo(frames, o => o.WithStrictOrdering(), "the gateway forwards the empty frame like any other");
        }
    }

    [Test]
    public async Task Listen_detect_with_a_wake_word_is_a_turn_with_that_text()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { session_id = "", type = "listen", state = "detect", text = "你好小智" });
        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));

        reply.SttText.Should().Be("你好小智");
    }

    [Test]
    public async Task Every_request_upstream_carries_all_three_ids_and_a_millisecond_timestamp_audio_included()
    {
        E2eTarget.RequireInProcess("reads the stub's recorded requests");
        var sessionId = "ids-" + Guid.NewGuid().ToString("N");
        var options = new DeviceConnectOptions { SessionId = sessionId, ProtocolVersion = 1 };
        await using var device = await DeviceClient.ConnectAsync(Gateway, options);
        await device.HelloAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds();
        await device.VoiceTurnAsync(DeviceFraming.AudioFrames(3));
        var after = DateTimeOffset.UtcNow.AddSeconds(5).ToUnixTimeMilliseconds();

        var session = await Gateway.StubSessions.WaitForSessionAsync(sessionId, TimeSpan.FromSeconds(5));
        session.Requests.Should().HaveCount(6, "hello, listen start, 3 audio frames, listen stop");
        session.Requests.Count(r => r.Kind == ChatFrameKind.Binary).Should().Be(3);
        session.Requests.Should().OnlyContain(r =>
            r.SessionId == sessionId && r.DeviceId == options.DeviceId && r.ClientId == options.ClientId &&
            r.Timestamp >= before && r.Timestamp <= after);
        session.Metadata.Should().Contain(new Dictionary<string, string>
        {
            ["device-id"] = options.DeviceId,
            ["client-id"] = options.ClientId,
            ["session-id"] = sessionId,
            ["protocol-version"] = "1",
            ["user-id"] = "42",
        });
    }
}
