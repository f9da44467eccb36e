using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class VoiceTurnTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _host = await StubHost.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(_time));

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Manual_turn_loops_the_received_frames_back_byte_identical_and_in_order()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        var frames = AudioFrames(7);
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        foreach (var frame in frames)
        {
            await stream.SendBinaryAsync(frame);
        }

        await stream.SendTextAsync("""{"type":"listen","state":"stop"}""");
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be($"heard 7 frames, {frames.Sum(f => f.Length)} bytes");
        turn.Frames.Should().HaveCount(7);
        for (var i = 0; i < frames.Count; i++)
        {
            turn.Frames[i].Should().Equal(frames[i], $"frame {i} must come back unchanged");
        }
    }

    [Test]
    public async Task A_turn_without_frames_still_answers()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        await stream.SendTextAsync("""{"type":"listen","state":"stop"}""");
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("heard 0 frames, 0 bytes");
        turn.Frames.Should().BeEmpty();
    }

    [Test]
    public async Task Auto_mode_ends_the_utterance_after_vad_silence_on_the_time_provider()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        var frames = AudioFrames(3);
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"auto"}""");
        foreach (var frame in frames)
        {
            await stream.SendBinaryAsync(frame);
        }

        await PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromMilliseconds(599));
        await stream.ExpectNothingAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("heard 3 frames, 360 bytes");
        turn.Frames.Select(f => f[0]).Should().Equal(0, 1, 2);
    }

    [Test]
    public async Task Each_frame_restarts_the_vad_silence_timer()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"realtime"}""");
        await stream.SendBinaryAsync(AudioFrames(1)[0]);
        await PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await stream.SendBinaryAsync(AudioFrames(2)[1]);
        await PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await stream.ExpectNothingAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        (await stream.ReadTurnAsync()).SttText.Should().StartWith("heard 2 frames");

        // realtime keeps listening: the next utterance is another turn
        await stream.SendBinaryAsync(AudioFrames(1, size: 50)[0]);
        await PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromMilliseconds(600));
        (await stream.ReadTurnAsync()).SttText.Should().Be("heard 1 frames, 50 bytes");
    }

    [Test]
    public async Task Manual_mode_ignores_silence()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        await stream.SendBinaryAsync(AudioFrames(1)[0]);
        await PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromSeconds(5));
        await stream.ExpectNothingAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"stop"}""");
        (await stream.ReadTurnAsync()).SttText.Should().StartWith("heard 1 frames");
    }

    [Test]
    public async Task Detect_with_text_is_a_turn_with_that_text()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "listen", state = "detect", text = "你好小智" }));
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("你好小智");
        turn.Sentence.Should().Be("You said: 你好小智");
        turn.Frames.Should().HaveCount(5, "pacing is off, so every frame arrives without time passing");
    }

    [TestCase("""{"type":"listen","state":"detect"}""")]
    [TestCase("""{"type":"listen"}""")]
    [TestCase("""{"type":"listen","state":"dance"}""")]
    [TestCase("""{"type":"listen","state":"start","mode":"telepathy"}""")]
    public async Task Bad_listen_messages_are_999_and_the_stream_goes_on(string listen)
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(listen);
        var error = await stream.NextErrorAsync();
        error.ErrorCode.Should().Be("invalid_listen");
        error.ErrorMessage.Should().NotBeNullOrEmpty();
        await PingBarrierAsync(stream);
    }

    internal static async Task PingBarrierAsync(DeviceStream stream)
    {
        // Requests are handled in order: once the echo is back, everything sent before it has been handled.
        var ping = "ping-" + Guid.NewGuid().ToString("N");
        await stream.SendTextAsync(ping);
        var echo = await stream.NextAsync();
        echo.ResponseData.ToStringUtf8().Should().Be(ping);
    }

    internal static List<byte[]> AudioFrames(int count, int size = 120)
    {
        var random = new Random(count * 31 + size);
        return Enumerable.Range(0, count).Select(i =>
        {
            var frame = new byte[size];
            random.NextBytes(frame);
            frame[0] = (byte)i;
            return frame;
        }).ToList();
    }
}
