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
}
