using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
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
        using var pair = new InMemoryWebSocketPair();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        for (var i = 0; i < count; i++)
        {
            call.Responses.Enqueue(new ChatResponse { ResponseType = (int)ChatFrameKind.Text, ResponseData = ByteString.CopyFromUtf8("{\"type\":\"stt\",\"text\":\"hi\"}") });
        }

        var time = new FakeTimeProvider();
        var writer = new DeviceSocketWriter(pair.Server, NullLogger.Instance, TimeSpan.FromSeconds(10), time);
        var session = new SessionMetadata("s-1", "aa:bb:cc:dd:ee:ff", "client-1", null, BinaryProtocolVersion.V1, "websocket", "127.0.0.1");
        var pump = new DownlinkPump(writer, session, new TurnState(), _ => { }, time, NullLogger.Instance);
        var draining = DrainAsync(pair.Device);
        var end = await pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None);
        end.Responses.Should().Be(count);
        await pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await writer.CloseAsync(DeviceCloseReasons.Normal, CancellationToken.None);
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
