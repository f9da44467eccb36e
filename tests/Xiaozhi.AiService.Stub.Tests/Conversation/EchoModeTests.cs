using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class EchoModeTests
{
    [Test]
    public async Task Echo_mode_sends_every_binary_frame_straight_back_without_turns()
    {
        await using var host = await StubHost.StartAsync(["--Stub:Mode", "echo"]);
        await using var stream = host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        var frames = VoiceTurnTests.AudioFrames(20);
        foreach (var frame in frames)
        {
            await stream.SendBinaryAsync(frame);
        }

        foreach (var frame in frames)
        {
            (await stream.NextBinaryAsync()).Should().Equal(frame);
        }

        await stream.SendTextAsync("""{"type":"listen","state":"stop"}""");
        await stream.ExpectNothingAsync();
    }

    [Test]
    public async Task Echo_mode_does_not_echo_the_zero_byte_end_of_speech_marker()
    {
        await using var host = await StubHost.StartAsync(["--Stub:Mode", "echo"]);
        await using var stream = host.Open();
        await stream.HelloAsync();
        await stream.SendBinaryAsync([1, 2, 3]);
        await stream.SendBinaryAsync([]);
        await stream.SendBinaryAsync([4, 5]);

        (await stream.NextBinaryAsync()).Should().Equal(1, 2, 3);
        (await stream.NextBinaryAsync()).Should().Equal(4, 5);
        await stream.ExpectNothingAsync();
    }
}
