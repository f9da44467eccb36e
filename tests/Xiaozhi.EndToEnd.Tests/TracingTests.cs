using System.Collections.Concurrent;
using System.Diagnostics;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>A span per session with events per message type, a span per turn, and W3C traceparent sent to the AI service.</summary>
[NonParallelizable]
public sealed class TracingTests
{
    [Test]
    public async Task A_chat_turn_produces_a_session_span_a_turn_span_and_a_traceparent_for_the_ai_service()
    {
        E2eTarget.RequireInProcess("listens to the in-process IM's ActivitySource");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Xiaozhi.Im",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var gateway = await Gateway.StartAsync();
        var sessionId = "trace-" + Guid.NewGuid().ToString("N");

        await using (var device = await DeviceClient.ConnectAsync(gateway, new DeviceConnectOptions { SessionId = sessionId }))
        {
            await device.HelloAsync();
            await device.ChatAsync("trace me");
        }

        Activity session = null!;
        await Eventually.Async(() => session = stopped.Single(a => a.OperationName == "xiaozhi.session" && (string?)a.GetTagItem("xiaozhi.session_id") == sessionId));
        var turn = stopped.Single(a => a.OperationName == "xiaozhi.turn" && a.TraceId == session.TraceId);

        turn.ParentSpanId.Should().Be(session.SpanId, "the turn belongs to the session");
        turn.Status.Should().NotBe(ActivityStatusCode.Error, "the turn ended with tts stop");
        session.Events.Select(e => e.Name).Should().Contain(["device hello", "device chat"]);
        session.Events.Select(e => e.Name).Should().Contain("ai stt");
        var recorded = (await gateway.StubSessions.WaitForSessionAsync(sessionId, TimeSpan.FromSeconds(5))).Metadata;
        recorded.Should().ContainKey(SessionMetadataHeaders.TraceParent);
        recorded[SessionMetadataHeaders.TraceParent].Should().StartWith($"00-{session.TraceId}-{session.SpanId}-");
    }
}
