using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>Session resume: lost streams, restarted backends, resume limits. Each test has its own stub + IM.</summary>
public sealed class ResilienceTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("injects faults into the stub");

    [Test]
    public async Task A_dropped_stream_is_resumed_without_the_device_noticing()
    {
        await using var gateway = await Gateway.StartAsync();
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        gateway.StubFaults.DropAllStreams();
        await WaitUntilAsync(() => gateway.Counters.Resumes >= 1);
        var reply = await device.ChatAsync("after the drop");

        reply.SttText.Should().Be("after the drop");
        reply.Sequence.Should().NotContain(s => s.StartsWith("alert", StringComparison.Ordinal)).And.NotContain("hello");
        var sessions = gateway.StubSessions.Sessions.Where(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId).ToArray();
        sessions.Should().HaveCount(2);
        sessions[1].Requests[0].JsonType.Should().Be("hello", "the device's hello is replayed first");
        gateway.Counters.TotalDropped.Should().Be(0);
        device.CloseStatus.Should().BeNull();
    }

    [Test]
    public async Task A_crashed_backend_is_one_warning_per_lost_connection_and_each_session_notes_its_resume_at_debug()
    {
        var log = new RecordingLoggerProvider();
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImLog = log, ImArgs = ["--Logging:LogLevel:Xiaozhi", "Debug"] });
        await using (var devices = await DeviceGroup.ConnectAsync(gateway, 20))
        {
            var before = log.Entries.Count;
            gateway.StubFaults.AbortAllConnections();
            await WaitUntilAsync(() => gateway.Counters.Resumes >= devices.Count);
            var replies = await Task.WhenAll(devices.Select(d => d.ChatAsync("after the crash")));

            replies.Should().OnlyContain(r => r.SttText == "after the crash");
            var warnings = log.Entries.Skip(before).Where(e => e.Level >= LogLevel.Warning).ToList();
            warnings.Should().Contain(e => e.EventId == 3012 && e.Message.Contains("20 streams open over its 1 HTTP/2 connection(s)"), "the endpoint reports the lost connection and what was on it");
            warnings.Should().OnlyContain(e => e.EventId == 3012, "the sessions' own lines are below Warning: {0}", string.Join(" | ", warnings));

            // A deployment at the default level (Information) gets the one warning, not four or five lines per session;
            // the per-session story is there at Debug.
            var perSession = new[] { 4308, 4004, 4005, 4401 };
            var information = log.Entries.Skip(before).Where(e => e.Level == LogLevel.Information && perSession.Contains(e.EventId)).ToList();
            information.Should().BeEmpty("the lost connection was reported once: {0}", string.Join(" | ", information.Take(5)));
            log.Entries.Skip(before).Count(e => e.Level == LogLevel.Debug && e.EventId == 4005).Should().Be(devices.Count, "every session notes its resume");
            devices.Should().OnlyContain(d => d.CloseStatus == null);
        }
    }

    [Test]
    public async Task A_service_allowing_few_streams_per_connection_gets_each_lost_connection_reported_with_the_pooled_count()
    {
        // 4 streams per HTTP/2 connection: the pooled connection's 10 streams ride three of them (4 + 4 + 2).
        var log = new RecordingLoggerProvider();
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImLog = log, StubArgs = ["--Stub:MaxStreamsPerConnection", "4"] });
        await using (var devices = await DeviceGroup.ConnectAsync(gateway, 10))
        {
            var before = log.Entries.Count;
            gateway.StubFaults.AbortAllConnections();
            await WaitUntilAsync(() => gateway.Counters.Resumes >= devices.Count);

            var lost = log.Entries.Skip(before).Where(e => e.EventId == 3012).ToList();
            lost.Should().HaveCount(3, "one warning per lost HTTP/2 connection");
            // Each report comes before its own streams fail: the first sees them all. The later ones count what is left.
            lost[0].Message.Should().Contain("10 streams open over its 3 HTTP/2 connection(s)", "the count is the pooled connection's, and says so");
            lost.Should().OnlyContain(e => e.Message.Contains("HTTP/2 connection(s), one of which is lost"));
            (await Task.WhenAll(devices.Select(d => d.ChatAsync("still here")))).Should().OnlyContain(r => r.SttText == "still here");
        }
    }

    [Test]
    public async Task Backend_restarted_during_a_voice_turn_the_turn_completes_with_the_buffered_frames_in_order()
    {
        await using var gateway = await Gateway.StartAsync();
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        var before = DeviceFraming.AudioFrames(4, size: 100, seed: 3);
        var during = DeviceFraming.AudioFrames(6, size: 110, seed: 4);

        await device.SendJsonAsync(new { session_id = "", type = "listen", state = "start", mode = "manual" });
        foreach (var frame in before)
        {
            await device.SendBinaryAsync(frame);
        }

        var first = gateway.StubSessions.Sessions.Single(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        await WaitUntilAsync(() => first.Requests.Count(r => r.Kind == ChatFrameKind.Binary) == before.Count);
        await gateway.StopStubAsync();
        foreach (var frame in during)
        {
            await device.SendBinaryAsync(frame);
        }

        await Task.Delay(300);
        await gateway.StartStubAsync();
        await device.SendJsonAsync(new { session_id = "", type = "listen", state = "stop" });
        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));

        // The new backend hears the whole utterance: the audio the lost stream had received is replayed after the
        // turn's listen start, then the frames kept during the outage.
        reply.SttText.Should().Be($"heard {before.Count + during.Count} frames, {(before.Count * 100) + (during.Count * 110)} bytes");
        reply.Audio.Should().BeEquivalentTo(before.Concat(during), o => o.WithStrictOrdering());
        var resumed = gateway.StubSessions.Sessions.Single(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        resumed.Requests.Select(r => r.JsonType ?? r.Kind.ToString()).Should().Equal(
            new[] { "hello", "listen" }.Concat(before.Concat(during).Select(_ => ChatFrameKind.Binary.ToString())).Append("listen"));
        (await device.ChatAsync("next turn")).SttText.Should().Be("next turn");
        gateway.Counters.TotalDropped.Should().Be(0);
        gateway.Counters.ResumeFailures.Should().Be(0);
        device.CloseStatus.Should().BeNull();
    }

    [Test]
    public async Task A_chat_the_backend_lost_before_answering_is_answered_on_the_resumed_stream()
    {
        // A long resume backoff: the test switches the fault off before the session opens its next stream.
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:Resume:InitialBackoff", "00:00:01"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        await SendIntoAStreamThatFailsAtItAsync(gateway, device, new { type = "chat", text = "are you still there" });

        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
        reply.SttText.Should().Be("are you still there", "the typed utterance nobody answered is replayed after the hello");
        var resumed = gateway.StubSessions.Sessions.Last(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        resumed.Requests.Select(r => r.JsonType ?? r.Kind.ToString()).Should().StartWith(new[] { "hello", "chat" });
        (await device.ChatAsync("and now")).SttText.Should().Be("and now", "an answered chat is not replayed again");
        device.CloseStatus.Should().BeNull();
    }

    [TestCase("image")]
    [TestCase("vision")]
    public async Task An_image_or_vision_request_the_backend_lost_before_answering_is_answered_on_the_resumed_stream(string type)
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:Resume:InitialBackoff", "00:00:01"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        object request = type == "image"
            ? new { type, text = "what is this?", image_data = new { data = Convert.ToBase64String(TestImages.Png(16, 9, 1024)), format = "png" } }
            : new { type, cmd = "read_img", @params = new { } };
        await SendIntoAStreamThatFailsAtItAsync(gateway, device, request);

        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
        reply.SttText.Should().Be(type == "image" ? "what is this?" : "vision read_img", "the request nobody answered is replayed after the hello");
        var resumed = gateway.StubSessions.Sessions.Last(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        resumed.Requests.Select(r => r.JsonType ?? r.Kind.ToString()).Should().StartWith(new[] { "hello", type });
        (await device.ChatAsync("and now")).SttText.Should().Be("and now", "an answered request is not replayed again");
        device.CloseStatus.Should().BeNull();
    }

    [Test]
    public async Task A_request_too_large_to_replay_that_the_backend_lost_gets_an_alert_and_the_session_goes_on()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:Resume:InitialBackoff", "00:00:01", "--Ai:Resume:MaxBufferedBytes", "4096"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();
        await SendIntoAStreamThatFailsAtItAsync(gateway, device, new { type = "image", text = "what is this?", image_data = new { data = Convert.ToBase64String(TestImages.Png(16, 9, 8192)), format = "png" } });

        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();
        alert.Get("message").Should().Be(DeviceAlertMessages.RequestLost, "the device would otherwise wait for an answer that never comes");
        alert.Get("status").Should().Be("error");
        // The alert follows the resumed stream's headers, and the stub records a stream before it sends them.
        var (resumed, seen) = DeviceStreams(gateway, device);
        resumed.Requests.Select(r => r.JsonType).Should().NotContain("image", "larger than Ai:Resume:MaxBufferedBytes: not kept for a replay (streams: {0})", seen);
        seen.Should().MatchRegex("^ended: hello,image \\| open: (hello)?$", "the first stream failed at the image and the resumed one is the last (it may not have read the replayed hello yet)");

        (await device.ChatAsync("and now")).SttText.Should().Be("and now");
        (resumed, seen) = DeviceStreams(gateway, device);
        resumed.Requests.Select(r => r.JsonType).Should().Contain("chat", "the last stream answered (streams: {0})", seen)
            .And.NotContain("image", "larger than Ai:Resume:MaxBufferedBytes: not kept for a replay (streams: {0})", seen);
        device.CloseStatus.Should().BeNull();
    }

    /// <summary>The device's last stream as the stub recorded it, and every stream of the device as "ended: hello,image | open: …".</summary>
    private static (StubSession Last, string Seen) DeviceStreams(Gateway gateway, DeviceClient device)
    {
        var streams = gateway.StubSessions.Sessions.Where(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId).ToList();
        var seen = string.Join(" | ", streams.Select(s => (s.Completed ? "ended: " : "open: ") + string.Join(",", s.Requests.Select(r => r.JsonType ?? r.Kind.ToString()))));
        return (streams[^1], seen);
    }

    /// <summary>
    /// Sends <paramref name="message"/> as the second message of the device's stream (its hello was the first) with the
    /// stub failing the stream at it, unprocessed, and waits until that stream is over; the fault is off again before
    /// the session resumes (the tests' gateways wait 1 s before the first resume attempt).
    /// </summary>
    private static async Task SendIntoAStreamThatFailsAtItAsync(Gateway gateway, DeviceClient device, object message)
    {
        var first = gateway.StubSessions.Sessions.Single(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
        gateway.StubFaults.FailStreamsAfterMessages = 2;
        await device.SendJsonAsync(message);
        await WaitUntilAsync(() => first.Completed);
        gateway.StubFaults.FailStreamsAfterMessages = null;
    }

    [Test]
    public async Task Stream_lost_while_the_ai_speaks_the_device_gets_a_tts_stop_and_goes_on()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { StubArgs = ["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", "60"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "chat", text = "a long answer" });
        await device.ReceiveUntilTypeAsync("tts", "start");
        gateway.StubFaults.DropAllStreams();
        await device.ReceiveUntilTypeAsync("tts", "stop");

        gateway.Counters.SynthesizedTtsStops.Should().Be(1);
        await WaitUntilAsync(() => gateway.Counters.Resumes >= 1);
        (await device.ChatAsync("again")).SttText.Should().Be("again");
    }

    [Test]
    public async Task Resume_timeout_means_alert_and_1011_and_the_kept_frames_are_counted_as_dropped()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:Resume:Timeout", "00:00:03"] }); // room for the chat to be kept first on a busy machine
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        gateway.StubFaults.RefuseNewStreams = true;
        gateway.StubFaults.DropAllStreams();
        await WaitUntilAsync(() => gateway.StubSessions.Sessions.All(s => s.Completed));
        await Task.Delay(300);
        await device.SendJsonAsync(new { type = "chat", text = "kept then dropped" });
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();
        var (status, reason) = await device.WaitForCloseAsync();

        alert.Get("status").Should().Be("error");
        status.Should().Be(WebSocketCloseStatus.InternalServerError);
        reason.Should().Contain("timed out");
        gateway.Counters.ResumeFailures.Should().Be(1);
        gateway.Counters.Dropped(ResumeDropReason.ResumeTimeout).Should().BeGreaterThanOrEqualTo(1);
    }

    [TestCase("--Ai:Resume:MaxBufferedFrames", "3", 3, ResumeDropReason.BufferFrames, "too many frames", 4)]
    [TestCase("--Ai:Resume:MaxBufferedBytes", "1024", 600, ResumeDropReason.BufferBytes, "too many bytes", 2)]
    public async Task Resume_buffer_limit_means_alert_and_1011_with_the_drops_counted(string setting, string value, int frameSize, object expectedCase, string why, int minimumDropped)
    {
        // NUnit runs public methods only, and the enum is internal: the case arrives as object.
        var expected = (ResumeDropReason)expectedCase;
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = [setting, value] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        gateway.StubFaults.RefuseNewStreams = true;
        gateway.StubFaults.DropAllStreams();
        await WaitUntilAsync(() => gateway.StubSessions.Sessions.All(s => s.Completed));
        await Task.Delay(300);
        var closed = device.WaitForCloseAsync();
        for (var i = 0; i < 5 && device.CloseStatus is null; i++)
        {
            try
            {
                await device.SendBinaryAsync(new byte[frameSize]);
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        var (status, reason) = await closed;
        var alert = device.Drain().Last(f => f.JsonType == "alert");

        alert.Get("status").Should().Be("error");
        status.Should().Be(WebSocketCloseStatus.InternalServerError);
        reason.Should().Contain(why);
        gateway.Counters.ResumeFailures.Should().Be(1);
        gateway.Counters.Dropped(expected).Should().BeGreaterThanOrEqualTo(minimumDropped, "the kept frames and the one over the limit (and any sent after)");
    }

    // The immediate resume attempt gives up after ConnectTimeout 0.5 s (the stub is down), then a session sleeps 5-10 s
    // (backoff 10 s). The stub is back 1 s after it stopped: the session must not sleep out its backoff.
    private static readonly string[] LongResumeBackoff =
        ["--Ai:ConnectTimeout", "00:00:00.5", "--Ai:Resume:InitialBackoff", "00:00:10", "--Ai:Resume:MaxBackoff", "00:00:10", "--Ai:Resume:Timeout", "00:00:30"];

    [Test]
    public async Task Sessions_waiting_to_resume_retry_as_soon_as_the_health_check_sees_the_backend_serving_again()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2", "--Ai:HealthCheckTimeout", "00:00:01", .. LongResumeBackoff],
        });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        await gateway.StopStubAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => gateway.Im.Services.GetRequiredService<AiEndpointPool>().Endpoints[0].Health == AiEndpointHealth.Unreachable);
        await gateway.StartStubAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();
        var reply = await device.ChatAsync("right after the restart");

        reply.SttText.Should().Be("right after the restart");
        back.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2.5), "the health check's SERVING wakes the waiting session (its backoff is at least 5 s)");
        // The stopping stub sends GOAWAY before it cuts the stream: the session counts a migration or a resume.
        (gateway.Counters.Resumes + gateway.Counters.Migrations).Should().Be(1);
        gateway.Counters.ResumeFailures.Should().Be(0);
        device.CloseStatus.Should().BeNull();
    }

    [Test]
    public async Task Sessions_waiting_to_resume_retry_as_soon_as_another_session_reaches_the_backend()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--Ai:HealthCheckInterval", "00:10:00", .. LongResumeBackoff],
        });
        await using var waiting = await DeviceClient.ConnectAsync(gateway);
        await waiting.HelloAsync();

        await gateway.StopStubAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await gateway.StartStubAsync();
        var back = System.Diagnostics.Stopwatch.StartNew();
        await using var newcomer = await DeviceClient.ConnectAsync(gateway); // reconnects the endpoint's channel
        await newcomer.HelloAsync();
        var reply = await waiting.ChatAsync("woken by the newcomer");

        reply.SttText.Should().Be("woken by the newcomer");
        back.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2.5), "the newcomer's connection wakes the waiting session (its backoff is at least 5 s)");
        waiting.CloseStatus.Should().BeNull();
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException("condition not met in time");
            }

            await Task.Delay(20);
        }
    }
}
