using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>Abort needs a turn long enough to interrupt: a stub that paces 100 synthetic frames (6 s of speech).</summary>
public sealed class TurnControlTests
{
    private Gateway _gateway = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _gateway = await Gateway.StartAsync(new GatewayOptions
    {
        StubArgs = ["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", "100"],
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _gateway.DisposeAsync();

    [Test]
    public async Task Abort_mid_turn_stops_speech_and_no_frame_of_that_turn_follows_tts_stop()
    {
        await using var device = await DeviceClient.ConnectAsync(_gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "chat", text = "tell me a long story" });
        var untilAudio = await device.ReceiveUntilAsync(f => f.IsBinary);
        untilAudio.Select(f => f.JsonType).Should().Contain("tts");
        await device.SendJsonAsync(new { session_id = "", type = "abort", reason = "wake_word_detected" });
        var untilStop = await device.ReceiveUntilTypeAsync("tts", "stop");

        untilStop.Count(f => f.IsBinary).Should().BeLessThan(99, "the turn was cut short");
        await device.ExpectSilenceAsync(TimeSpan.FromMilliseconds(500));
        await device.SendJsonAsync(new { type = "listen", state = "detect", text = "next" });
        var next = await device.ReceiveUntilTypeAsync("stt");
        next.Where(f => f.IsBinary).Should().BeEmpty("nothing of the aborted turn may arrive after its tts stop");
        next.Last().Get("text").Should().Be("next");
    }

    [Test]
    public async Task Paced_audio_arrives_over_time_not_all_at_once()
    {
        E2eTarget.RequireInProcess("counts the frames of a stub configured for 100 synthetic frames");
        await using var device = await DeviceClient.ConnectAsync(_gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "chat", text = "pace" });
        await device.ReceiveUntilAsync(f => f.IsBinary);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rest = await device.ReceiveUntilTypeAsync("tts", "stop", TimeSpan.FromSeconds(20));

        rest.Count(f => f.IsBinary).Should().Be(99);
        // 3 frames go at once, then one per 60 ms: the last 96 cannot arrive in under ~5.7 s.
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(5));
    }
}
