using System.Diagnostics;
using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// The idle policy counts the conversation: a device that only listens to a long answer is not closed mid-answer,
/// while a device that nobody talks to is closed on time on the same node.
/// </summary>
public sealed class IdleDuringAnswerTests
{
    private const int AnswerFrames = 80; // paced at 60 ms: a ~4.8 s answer against a 2 s idle timeout

    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("configures the idle timeout and the stub's answer length");

    [Test]
    public async Task A_device_listening_to_an_answer_longer_than_the_idle_timeout_gets_all_of_it()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--Admission:IdleTimeout", "00:00:02"],
            StubArgs = ["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", AnswerFrames.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        });
        await using var listener = await DeviceClient.ConnectAsync(gateway);
        await listener.HelloAsync();
        await using var idle = await DeviceClient.ConnectAsync(gateway);
        await idle.HelloAsync();
        var idleClosed = idle.WaitForCloseAsync(TimeSpan.FromSeconds(10));

        var answerTime = Stopwatch.StartNew();
        var reply = await listener.ChatAsync("tell me a long story");
        answerTime.Stop();

        reply.Audio.Should().HaveCount(AnswerFrames, "the whole answer reached the device");
        reply.Sequence.Should().EndWith("tts:stop");
        answerTime.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(3), "the answer outlasted the idle timeout");
        listener.CloseStatus.Should().BeNull("a device listening to the AI is not idle");
        idleClosed.IsCompleted.Should().BeTrue("the silent device was closed on time, during the other's answer");

        var (status, reason) = await idleClosed;
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be("idle for 2 s");

        var (afterAnswer, afterReason) = await listener.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        afterAnswer.Should().Be(WebSocketCloseStatus.NormalClosure, "once the answer ended and nobody spoke, the session is idle");
        afterReason.Should().Be("idle for 2 s");
    }
}
