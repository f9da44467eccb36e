using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

/// <summary>
/// The stub's VAD hears silence in a stream that never pauses (browser clients, firmware in auto mode): speech-like
/// frames then silent frames, one every 60 ms of the fake clock, end the utterance <c>Stub:VadSilenceMs</c> (600 ms)
/// after the last frame with sound, and the stub answers.
/// </summary>
public sealed class StreamedSilenceTests
{
    private static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(60);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _host = await StubHost.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(_time));

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Opus_speech_then_silent_frames_without_a_gap_end_the_utterance_after_vad_silence()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        var frames = SpeechLikeAudio.Opus(voicedFrames: 5, silentFrames: 12);

        // The first silent packet still carries the voice's tail (the codec's look-ahead): 6 packets have sound.
        var turn = await StreamAsync(stream, "auto", frames, voiced: 6);

        turn.SttText.Should().Be($"heard 15 frames, {frames.Take(15).Sum(f => f.Length)} bytes");
    }

    [Test]
    public async Task Pcm_speech_then_silent_frames_without_a_gap_end_the_utterance_after_vad_silence()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync(format: "pcm");
        var frames = Enumerable.Range(0, 5).Select(i => SpeechLikeAudio.Bytes(SpeechLikeAudio.VoicedPcm(i)))
            .Concat(Enumerable.Range(0, 12).Select(_ => SpeechLikeAudio.Bytes(SpeechLikeAudio.SilentPcm()))).ToList();

        var turn = await StreamAsync(stream, "realtime", frames, voiced: 5);

        turn.SttText.Should().Be($"heard 14 frames, {14 * 1920} bytes");
    }

    [Test]
    public async Task Leading_silence_streamed_without_a_gap_waits_for_speech()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync(format: "pcm");
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"auto"}""");
        for (var i = 0; i < 20; i++)
        {
            await stream.SendBinaryAsync(SpeechLikeAudio.Bytes(SpeechLikeAudio.SilentPcm()));
            await VoiceTurnTests.PingBarrierAsync(stream);
            _time.Advance(FrameDuration);
        }

        await stream.ExpectNothingAsync();
    }

    [Test]
    public async Task Silent_frames_then_a_gap_still_end_the_utterance_the_frame_gap_fallback()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync(format: "pcm");
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"auto"}""");
        for (var i = 0; i < 3; i++)
        {
            await stream.SendBinaryAsync(SpeechLikeAudio.Bytes(SpeechLikeAudio.SilentPcm()));
        }

        await VoiceTurnTests.PingBarrierAsync(stream);
        _time.Advance(TimeSpan.FromMilliseconds(599));
        await stream.ExpectNothingAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await stream.ReadTurnAsync()).SttText.Should().Be($"heard 3 frames, {3 * 1920} bytes");
    }

    /// <summary>
    /// Streams <paramref name="frames"/> one per frame duration; asserts no answer until 600 ms after the last of the
    /// <paramref name="voiced"/> frames with sound, then returns the turn (the frames sent by then: those and 9 silent ones).
    /// </summary>
    private async Task<TurnResult> StreamAsync(DeviceStream stream, string mode, List<byte[]> frames, int voiced)
    {
        await stream.SendTextAsync($$"""{"type":"listen","state":"start","mode":"{{mode}}"}""");
        for (var i = 0; i < frames.Count; i++)
        {
            await stream.SendBinaryAsync(frames[i]);
            await VoiceTurnTests.PingBarrierAsync(stream);
            var sinceLastVoiced = FrameDuration * (i - voiced + 1);
            if (sinceLastVoiced + FrameDuration == TimeSpan.FromMilliseconds(600))
            {
                // Frame voiced + 9: the next 60 ms reach the VAD silence; no answer may have come before.
                await stream.ExpectNothingAsync();
                _time.Advance(FrameDuration);
                return await stream.ReadTurnAsync();
            }

            _time.Advance(FrameDuration);
        }

        Assert.Fail("the stream ran out before the VAD silence");
        return null!;
    }
}
