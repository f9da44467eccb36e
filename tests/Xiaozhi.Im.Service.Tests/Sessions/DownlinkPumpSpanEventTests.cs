using System.Diagnostics;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// Messages noted as span events: only on a span that is recorded, and never without bound (a session's span lives as
/// long as its WebSocket; without a trace listener the current activity is ASP.NET Core's request activity).
/// </summary>
public class DownlinkPumpSpanEventTests
{
    [Test]
    public async Task An_unrecorded_current_activity_gets_no_events()
    {
        using var request = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();
        request.Recorded.Should().BeFalse("no listener sampled it");

        await PumpTextResponses(300);

        request.Events.Should().BeEmpty("nobody exports it, and it lives as long as the device's connection");
    }

    [Test]
    public async Task A_recorded_span_keeps_at_most_the_cap_of_events()
    {
        using var session = new Activity("xiaozhi.session");
        session.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        session.Start();

        await PumpTextResponses(SpanEvents.MaxPerSpan + 50);

        session.Events.Should().HaveCount(SpanEvents.MaxPerSpan);
        session.Events.First().Name.Should().Be("ai stt");
    }

    private static async Task PumpTextResponses(int count)
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        for (var i = 0; i < count; i++)
        {
            call.Responses.Enqueue(PumpToDevice.Text("{\"type\":\"stt\",\"text\":\"hi\"}"));
        }

        var draining = DrainAsync(device.Pair.Device);
        var end = await device.Pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None);
        end.Responses.Should().Be(count);
        await device.Pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await device.Writer.CloseAsync(DeviceCloseReasons.Normal, CancellationToken.None);
        await draining;
    }

    private static async Task DrainAsync(System.Net.WebSockets.WebSocket device)
    {
        var buffer = new byte[4096];
        while ((await device.ReceiveAsync(buffer, CancellationToken.None)).MessageType != System.Net.WebSockets.WebSocketMessageType.Close)
        {
        }
    }
}
