using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// The node's total for kept bytes (<c>Limits:NodeBufferedBytes</c>): one session's unanswered turn fills it, another
/// session's request then cannot be kept for a replay and takes the request-lost path when its stream is lost, while
/// both sessions go on.
/// </summary>
[NonParallelizable]
public sealed class NodeBudgetTests
{
    [Test]
    public async Task A_session_past_the_node_budget_gets_request_lost_and_both_sessions_go_on()
    {
        E2eTarget.RequireInProcess("injects a stream failure into the stub");
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs =
            [
                "--Limits:NodeBufferedBytes", "1048576", "--Ai:Resume:InitialBackoff", "00:00:01",
                "--Admission:MessagesPerSecond", "1000", "--Admission:MessageBurst", "1000",
            ],
        });
        await using var filler = await DeviceClient.ConnectAsync(gateway);
        await filler.HelloAsync();
        await filler.SendJsonAsync(new { session_id = "", type = "listen", state = "start", mode = "manual" });
        for (var i = 0; i < 9; i++)
        {
            await filler.SendBinaryAsync(new byte[100_000]);
        }

        // hello, listen start and 9 audio frames reached the AI service: ~900 KB of the node's 1 MiB are kept for a replay.
        await Eventually.Async(() => StubStream(gateway, filler).Requests.Should().HaveCount(11));

        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        var first = StubStream(gateway, device);
        gateway.StubFaults.FailStreamsAfterMessages = 2;
        await device.SendJsonAsync(new { type = "image", text = "what is this?", image_data = new { data = Convert.ToBase64String(TestImages.Png(16, 9, 200_000)), format = "png" } });
        await Eventually.Async(() => first.Completed.Should().BeTrue());
        gateway.StubFaults.FailStreamsAfterMessages = null;

        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();
        alert.Get("message").Should().Be(DeviceAlertMessages.RequestLost, "no room on the node to keep the image for a replay");
        StubStream(gateway, device).Requests.Select(r => r.JsonType).Should().NotContain("image");
        (await device.ChatAsync("and now")).SttText.Should().Be("and now");

        await filler.SendJsonAsync(new { session_id = "", type = "listen", state = "stop" });
        new TurnReply(await filler.ReceiveUntilTypeAsync("tts", "stop")).JsonTypes.Should().Contain("stt", "the session holding the budget goes on");
        device.CloseStatus.Should().BeNull();
        filler.CloseStatus.Should().BeNull();
    }

    private static Xiaozhi.AiService.Stub.Sessions.StubSession StubStream(Gateway gateway, DeviceClient device) =>
        gateway.StubSessions.Sessions.Last(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
}
