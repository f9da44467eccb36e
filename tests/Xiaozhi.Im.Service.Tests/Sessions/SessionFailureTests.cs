using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>A session that fails in a way nobody expected (a bug) still closes its device properly.</summary>
public class SessionFailureTests
{
    [Test]
    public async Task An_unexpected_exception_closes_the_device_with_1011_instead_of_dropping_the_connection()
    {
        using var pair = new InMemoryWebSocketPair();
        using var metrics = new TestMetrics();
        using var pool = new AiEndpointPool(Options.Create(new AiOptions()), TimeProvider.System, NullLoggerFactory.Instance);
        var endpoint = pool.Endpoints[0];
        var call = FakeChatCall.On(endpoint);
        call.ReadEnd = _ => Task.FromException<bool>(new FormatException("a bug in the downlink"));
        var limits = new LimitsOptions();
        var webSocket = new Xiaozhi.Im.Service.Devices.DeviceWebSocketOptions();
        var uplinkLimits = new UplinkLimits(webSocket.MaxTextFrameBytes, webSocket.MaxBinaryFrameBytes, new AiOptions().MaxMessageBytes, limits.InitialReceiveBufferBytes, limits.CloseTimeout);
        var metadata = new SessionMetadata("s-1", "aa:bb:cc:dd:ee:ff", "client-1", null, BinaryProtocolVersion.V1, "websocket", "127.0.0.1");
        var settings = new SessionSettings(uplinkLimits, limits, new ResumeOptions(), new MovesOptions(), SessionSettingsForTests.QuietAdmission);
        var session = new Session(metadata, pair.Server, call.Stream, settings, new SessionNode(pool, TimeProvider.System, SessionLoggers.Null, metrics.Metrics, NodeBufferBudget.Unlimited));

        var running = session.RunAsync(CancellationToken.None);
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await pair.Device.ReceiveAsync(buffer, timeout.Token);

        received.MessageType.Should().Be(WebSocketMessageType.Close);
        pair.Device.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
        pair.Device.CloseStatusDescription.Should().Be("internal error");
        await FluentActions.Awaiting(() => running.WaitAsync(timeout.Token)).Should().NotThrowAsync("the failure is logged by the session, not left to the host");
    }
}
