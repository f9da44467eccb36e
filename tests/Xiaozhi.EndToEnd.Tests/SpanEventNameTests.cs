using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// What a device can make the session's span keep: event names from a fixed set whatever its frames hold, and a
/// traceparent of its own neither parents nor samples the session unless it came through a trusted proxy.
/// </summary>
[NonParallelizable]
public sealed class SpanEventNameTests
{
    /// <summary>Big non-request frames must pass the control-frame limit here: the span, not the limit, is under test.</summary>
    private static readonly string[] LargeControlFrames =
    [
        "--WebSocket:MaxControlFrameBytes", "2097152",
        "--Admission:MessagesPerSecond", "100000", "--Admission:MessageBurst", "100000",
    ];

    private const string DeviceTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("listens to the in-process IM's ActivitySource");

    [Test]
    public async Task Sixty_frames_with_a_one_MiB_type_leave_the_session_span_with_short_event_names()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ParentBasedListener(stopped);
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = LargeControlFrames });
        var sessionId = "span-" + Guid.NewGuid().ToString("N");
        var hugeType = "{\"type\":\"" + new string('A', 1024 * 1024) + "\"}";

        await using (var device = await DeviceClient.ConnectAsync(gateway, SampledDevice(sessionId)))
        {
            await device.HelloAsync();
            for (var i = 0; i < 60; i++)
            {
                await device.SendTextAsync(hugeType);
            }

            await SecondSessionWorks(gateway);
            await device.ChatAsync("still here");
        }

        Activity session = null!;
        await Eventually.Async(() => session = stopped.Single(a => a.OperationName == "xiaozhi.session" && (string?)a.GetTagItem("xiaozhi.session_id") == sessionId));
        var names = session.Events.Select(e => e.Name).ToList();
        names.Count(n => n == "device (other type)").Should().Be(60, "each huge frame is noted under one fixed label");
        names.Sum(n => Encoding.UTF8.GetByteCount(n)).Should().BeLessThan(4096, "60 names of 1 MiB each were kept before");
        names.Should().Contain(["device hello", "device chat"]);
    }

    [Test]
    public async Task A_devices_own_traceparent_neither_parents_nor_samples_its_session()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ParentBasedListener(stopped);
        await using var gateway = await Gateway.StartAsync();
        var sessionId = "span-" + Guid.NewGuid().ToString("N");

        // Flags 00: a device asking not to be recorded (with a ratio sampler, flags 01 would force recording).
        await using (var device = await DeviceClient.ConnectAsync(gateway, SampledDevice(sessionId, flags: "00")))
        {
            await device.HelloAsync();
            await SecondSessionWorks(gateway);
        }

        Activity session = null!;
        await Eventually.Async(() => session = stopped.Single(a => a.OperationName == "xiaozhi.session" && (string?)a.GetTagItem("xiaozhi.session_id") == sessionId));
        session.TraceId.ToHexString().Should().NotBe(DeviceTraceId, "the device is not a trusted proxy");
        session.ParentSpanId.Should().Be(default(ActivitySpanId), "a new root");
        session.Recorded.Should().BeTrue("our own sampler (always on for roots here) decided");
    }

    [Test]
    public async Task A_trusted_proxys_traceparent_parents_the_session()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ParentBasedListener(stopped);
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--ForwardedHeaders:KnownProxies:0", "127.0.0.1"] });
        var sessionId = "span-" + Guid.NewGuid().ToString("N");

        await using (var device = await DeviceClient.ConnectAsync(gateway, SampledDevice(sessionId)))
        {
            await device.HelloAsync();
        }

        Activity session = null!;
        await Eventually.Async(() => session = stopped.Single(a => a.OperationName == "xiaozhi.session" && (string?)a.GetTagItem("xiaozhi.session_id") == sessionId));
        session.TraceId.ToHexString().Should().Be(DeviceTraceId, "127.0.0.1 is a known proxy here");
    }

    /// <summary>Like OpenTelemetry's default sampler, ParentBased(AlwaysOn): a parent's flags decide, a root is recorded.</summary>
    internal static ActivityListener ParentBasedListener(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Xiaozhi.Im",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    internal static DeviceConnectOptions SampledDevice(string sessionId, string flags = "01") => new()
    {
        SessionId = sessionId,
        ExtraHeaders = new Dictionary<string, string> { ["traceparent"] = $"00-{DeviceTraceId}-00f067aa0ba902b7-{flags}" },
    };

    private static async Task SecondSessionWorks(Gateway gateway)
    {
        await using var other = await DeviceClient.ConnectAsync(gateway);
        await other.HelloAsync();
        var reply = await other.ChatAsync("hello from another device");
        reply.JsonTypes.Should().Contain("stt", "the other session is answered as usual");
    }
}
