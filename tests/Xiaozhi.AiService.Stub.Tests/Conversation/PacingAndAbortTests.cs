using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class PacingAndAbortTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _host = await StubHost.StartAsync(["--Stub:SyntheticFrames", "6"], b => b.Services.AddSingleton<TimeProvider>(_time), pacing: true);

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task First_three_frames_come_at_once_then_one_per_60_ms()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "pace me" }));
        await ReadUntilAudioAsync(stream);
        await stream.NextBinaryAsync();
        await stream.NextBinaryAsync();
        await stream.NextBinaryAsync();
        await stream.ExpectNothingAsync();

        _time.Advance(TimeSpan.FromMilliseconds(59));
        await stream.ExpectNothingAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await stream.NextBinaryAsync();
        await stream.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
        _time.Advance(TimeSpan.FromMilliseconds(60));
        await stream.NextBinaryAsync();
        _time.Advance(TimeSpan.FromMilliseconds(60));
        await stream.NextBinaryAsync();
        (await stream.NextJsonAsync("tts")).Str("state").Should().Be("sentence_end");
        (await stream.NextJsonAsync("tts")).Str("state").Should().Be("stop");
    }

    [Test]
    public async Task Abort_mid_turn_sends_tts_stop_and_nothing_of_that_turn_follows()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "long answer" }));
        await ReadUntilAudioAsync(stream);
        for (var i = 0; i < 3; i++)
        {
            await stream.NextBinaryAsync();
        }

        await stream.SendTextAsync("""{"type":"abort","reason":"wake_word_detected"}""");
        var stop = await stream.NextJsonAsync("tts");
        stop.Str("state").Should().Be("stop");

        _time.Advance(TimeSpan.FromSeconds(5));
        await stream.ExpectNothingAsync(TimeSpan.FromMilliseconds(300));

        // The session goes on: a later turn plays completely.
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "again" }));
        (await stream.NextJsonAsync("stt")).Str("text").Should().Be("again");
    }

    [Test]
    public async Task Abort_also_cancels_queued_turns()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "first" }));
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "second" }));
        await ReadUntilAudioAsync(stream);
        await stream.SendTextAsync("""{"type":"abort"}""");

        // Burst frames of the first turn may still be in flight before the stop; nothing after it.
        while (true)
        {
            var response = await stream.NextAsync();
            if (response.GetKind() == ChatFrameKind.Text && response.ResponseData.ToStringUtf8().Contains("\"stop\"", StringComparison.Ordinal))
            {
                break;
            }

            response.GetKind().Should().Be(ChatFrameKind.Binary, "only burst audio of the aborted turn may precede the stop");
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        await stream.ExpectNothingAsync(TimeSpan.FromMilliseconds(300));
    }

    [Test]
    public async Task Abort_without_a_turn_still_answers_tts_stop()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"abort"}""");
        (await stream.NextJsonAsync("tts")).Str("state").Should().Be("stop");
    }

    private static async Task ReadUntilAudioAsync(DeviceStream stream)
    {
        await stream.NextJsonAsync("stt");
        await stream.NextJsonAsync("llm");
        (await stream.NextJsonAsync("tts")).Str("state").Should().Be("start");
        (await stream.NextJsonAsync("tts")).Str("state").Should().Be("sentence_start");
    }
}
