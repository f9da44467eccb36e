using System.Net;
using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>Faults on the AI side: each test gets its own stub + IM so faults never leak into other tests.</summary>
public sealed class UpstreamFailureTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("injects faults into the stub");

    [Test]
    public async Task Ai_error_999_becomes_an_alert_and_the_session_goes_on()
    {
        await using var gateway = await Gateway.StartAsync();
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        await gateway.StubFaults.SendErrorAsync(null, "llm_unavailable", "the language model is unavailable");
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();

        VisionAndImageTests.AssertAlert(alert, "language model");
        (await device.ChatAsync("after error")).SttText.Should().Be("after error");
    }

    [Test]
    public async Task Upstream_stream_lost_for_good_means_alert_then_close_1011_with_a_reason()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:Resume:Timeout", "00:00:01"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        gateway.StubFaults.RefuseNewStreams = true;
        gateway.StubFaults.DropAllStreams();
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();
        var (status, reason) = await device.WaitForCloseAsync();

        alert.Get("status").Should().Be("error");
        status.Should().Be(WebSocketCloseStatus.InternalServerError);
        reason.Should().NotBeNullOrWhiteSpace();
    }

    [Test]
    public async Task No_reachable_ai_endpoint_is_503_before_the_upgrade()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { AiEndpointOverride = new Uri($"http://127.0.0.1:{FreePort.Pick()}") });

        var refusal = await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions());

        refusal.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refusal.Body.Should().NotBeNullOrWhiteSpace();
    }

    [Test]
    public async Task Frame_larger_than_the_upstream_limit_is_not_sent_the_device_is_told_and_the_session_goes_on()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:MaxMessageBytes", "65536"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "chat", text = new string('x', 100_000) });
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();

        VisionAndImageTests.AssertAlert(alert, "65536");
        (await device.ChatAsync("small")).SttText.Should().Be("small");
        var session = gateway.StubSessions.Sessions.Single(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        session.Requests.Should().NotContain(r => r.Size > 65536);
    }
}
