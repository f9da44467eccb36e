using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Sessions that move on the gateway's initiative: off a connection that received GOAWAY before the server's grace
/// ends, and off an endpoint that is being left (NOT_SERVING). Real stubs, a real IM, real devices.
/// </summary>
public sealed partial class SessionMoveTests
{
    // 80 frames of 60 ms: an answer that outlasts the stub's 2 s grace, so only the busy limit gets its session off in time.
    private const int LongAnswerFrames = 80;

    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("controls the stubs and the IM host");

    [Test]
    public async Task Every_session_leaves_a_GOAWAY_connection_before_the_grace_ends_during_continuous_turns()
    {
        // A grpc-go-like server with a small age and grace: every connection is recycled three or four times while 20
        // devices talk without a pause, some of their answers (LongAnswerFrames paced, about 4.5 s) longer than the
        // grace. A session still on the old connection when the grace ends is cut (warning 3012 names how many streams
        // were open). The paired test below shows the same load cutting streams when the bound is beyond the grace.
        var log = new RecordingLoggerProvider();
        await using var gateway = await StartRecyclingGatewayAsync("00:00:01", log);
        await using (var devices = await DeviceGroup.ConnectAsync(gateway, 20))
        {
            var clock = Stopwatch.StartNew();
            var outcomes = await Task.WhenAll(devices.Select((d, i) => TurnsUntilAsync(d, i, clock, TimeSpan.FromSeconds(8), LongAnswerFrames)));

            var cutByLog = StreamsOpenAtClose(log);
            var cutByMetric = gateway.Im.Services.GetRequiredService<AiEndpointPool>().Endpoints.Sum(e => e.StreamsCutByClose);
            TestContext.Out.WriteLine(
                $"turns {outcomes.Sum(o => o.Turns)}, told {outcomes.Sum(o => o.Told)}, silent {outcomes.Sum(o => o.Silent)}, " +
                $"migrations {gateway.Counters.Migrations} (busy limit {gateway.Counters.Moves("goaway_busy_limit")}), " +
                $"streams open when a connection was closed {cutByLog} (metric {cutByMetric})");
            cutByLog.Should().Be(0, "every session moved before the server closed its connection");
            cutByMetric.Should().Be(0);
            outcomes.Should().AllSatisfy(o => o.Silent.Should().Be(0, "every turn completed or the device was told"));
            outcomes.Should().AllSatisfy(o => o.Turns.Should().BeGreaterThan(2));
            foreach (var device in devices)
            {
                device.CloseStatus.Should().BeNull();
                device.Drain().Should().BeEmpty("nothing outside a turn");
            }

            gateway.Counters.Migrations.Should().BeGreaterThan(0);
            gateway.Counters.Moves("goaway_busy_limit").Should().BePositive("the answers outlast the grace: the bound did the work");
            gateway.Counters.ResumeFailures.Should().Be(0);
            gateway.Counters.TotalDropped.Should().Be(0);
        }
    }

    [Test]
    public async Task With_the_busy_limit_beyond_the_grace_the_same_turns_are_cut_when_the_server_closes_the_connection()
    {
        // The control for the test above: without a bound below the grace (the behaviour before it), a session busy in a
        // long answer when GOAWAY comes stays on the old connection until the server closes it under the stream.
        var log = new RecordingLoggerProvider();
        await using var gateway = await StartRecyclingGatewayAsync("00:01:00", log);
        await using var devices = await DeviceGroup.ConnectAsync(gateway, 20);
        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(devices.Select((d, i) => TurnsUntilAsync(d, i, clock, TimeSpan.FromSeconds(8), LongAnswerFrames)));

        var cutByLog = StreamsOpenAtClose(log);
        var cutByMetric = gateway.Im.Services.GetRequiredService<AiEndpointPool>().Endpoints.Sum(e => e.StreamsCutByClose);
        TestContext.Out.WriteLine(
            $"turns {outcomes.Sum(o => o.Turns)}, told {outcomes.Sum(o => o.Told)}, silent {outcomes.Sum(o => o.Silent)}, " +
            $"busy-limit moves {gateway.Counters.Moves("goaway_busy_limit")}, streams open when a connection was closed {cutByLog} (metric {cutByMetric})");
        cutByLog.Should().BePositive("a turn longer than the grace was still on the closed connection");
        cutByMetric.Should().Be(cutByLog);
        gateway.Counters.Moves("goaway_busy_limit").Should().Be(0, "the bound never fired");
    }

    private static Task<Gateway> StartRecyclingGatewayAsync(string busyLimit, RecordingLoggerProvider log) =>
        Gateway.StartAsync(new GatewayOptions
        {
            StubArgs = ["--Stub:PacingEnabled", "true", "--Stub:Faults:MaxConnectionAgeSeconds", "2", "--Stub:Faults:MaxConnectionAgeGraceSeconds", "2"],
            ImArgs = ["--Ai:Moves:GoAwayBusyLimit", busyLimit],
            ImLog = log,
        });

    [Test]
    public async Task An_endpoint_turning_NOT_SERVING_is_emptied_at_turn_boundaries_with_no_device_disconnected()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            StubCount = 2,
            StubArgs = ["--Stub:PacingEnabled", "true"],
            ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2", "--Ai:HealthCheckTimeout", "00:00:01", "--Ai:Moves:SpreadWindow", "00:00:02"],
        });
        var pool = gateway.Im.Services.GetRequiredService<AiEndpointPool>();
        var faults = Enumerable.Range(0, 2).Select(i => gateway.StubAt(i)!.Services.GetRequiredService<StubFaults>()).ToArray();

        // All ten devices on the first stub: the second drains while they connect, then serves again.
        faults[1].Draining = true;
        await ResilienceTests.WaitUntilAsync(() => pool.Endpoints[1].Health == AiEndpointHealth.NotServing);
        await using var devices = await DeviceGroup.ConnectAsync(gateway, 10);
        faults[1].Draining = false;
        await ResilienceTests.WaitUntilAsync(() => pool.Endpoints[1].IsHealthy && pool.Endpoints[1].Health == AiEndpointHealth.Serving);
        pool.Endpoints[0].ActiveStreams.Should().Be(10);

        // Four devices are in a long turn (about 2 s of paced answer) when the first stub starts draining.
        var audio = DeviceFraming.AudioFrames(30, size: 90, seed: 7);
        var longTurns = devices.Take(4).Select(d => d.VoiceTurnAsync(audio)).ToArray();
        await Task.Delay(300);
        faults[0].Draining = true;

        var replies = await Task.WhenAll(longTurns);
        foreach (var reply in replies)
        {
            reply.Audio.Should().BeEquivalentTo(audio, o => o.WithStrictOrdering(), "a turn in progress finishes where it is");
            reply.Sequence.Should().NotContain(s => s.StartsWith("alert", StringComparison.Ordinal)).And.NotContain("hello");
        }

        await ResilienceTests.WaitUntilAsync(() => pool.Endpoints[0].ActiveStreams == 0);
        for (var i = 0; i < devices.Count; i++)
        {
            var text = $"after the move {i}";
            var reply = await devices[i].ChatAsync(text);
            reply.SttText.Should().Be(text);
            reply.Sequence.Should().NotContain(s => s.StartsWith("alert", StringComparison.Ordinal)).And.NotContain("hello");
            gateway.StubSessionsAt(1).Sessions.Should().Contain(s => s.Metadata.GetValueOrDefault("device-id") == devices[i].DeviceId);
            devices[i].CloseStatus.Should().BeNull();
        }

        gateway.Counters.Moves("not_serving").Should().Be(10);
        gateway.Counters.Resumes.Should().Be(0, "moves, not resumes: no stream was lost");
        gateway.Counters.SynthesizedTtsStops.Should().Be(0);
    }

    /// <summary>The streams the service's closes found open (warning 3012 of the endpoint), summed.</summary>
    private static int StreamsOpenAtClose(RecordingLoggerProvider log) =>
        log.Entries.Where(e => e.EventId == 3012).Sum(e => int.Parse(StreamsOpen().Match(e.Message).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Chat turns and voice turns with long answers until <paramref name="duration"/>. A turn is complete (its answer
    /// whole, no alert), told (an alert in its reply) or silently lost (neither).
    /// </summary>
    private static async Task<(int Turns, int Told, int Silent)> TurnsUntilAsync(DeviceClient device, int index, Stopwatch clock, TimeSpan duration, int longFrames = 40)
    {
        var (turns, told, silent) = (0, 0, 0);
        var audio = DeviceFraming.AudioFrames(5, size: 90, seed: 300 + index);
        while (clock.Elapsed < duration)
        {
            bool complete;
            TurnReply reply;
            if (turns % 2 == 0)
            {
                var text = $"device {index} turn {turns}";
                reply = await device.ChatAsync(text);
                complete = reply.SttText == text;
            }
            else
            {
                var frames = turns % 4 == 1 ? DeviceFraming.AudioFrames(longFrames, size: 90, seed: 300 + index) : audio;
                reply = await device.VoiceTurnAsync(frames);
                complete = reply.Audio.Count == frames.Count && reply.Audio.Zip(frames).All(p => p.First.AsSpan().SequenceEqual(p.Second));
            }

            var alerted = reply.Sequence.Any(s => s.StartsWith("alert", StringComparison.Ordinal));
            reply.Sequence.Should().NotContain("hello");
            told += alerted ? 1 : 0;
            silent += !alerted && !complete ? 1 : 0;
            turns++;
        }

        return (turns, told, silent);
    }

    [GeneratedRegex(@"with (\d+) streams open")]
    private static partial Regex StreamsOpen();
}
