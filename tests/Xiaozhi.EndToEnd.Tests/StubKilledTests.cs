using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Hosting;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// One of two real stub processes SIGKILLed under an in-process IM: the device whose answer it cut is told, the other
/// stub's device goes on, and new devices get their hello while the killed stub is down.
/// </summary>
public class StubKilledTests
{
    /// <summary>The product's claim: a (re)connect gets its hello within 2 s while one AI endpoint serves.</summary>
    private static readonly TimeSpan HelloBound = TimeSpan.FromSeconds(2);

    [Test]
    public async Task A_stub_killed_mid_answer_tells_its_device_alert_then_tts_stop_and_the_other_stubs_device_goes_on()
    {
        E2eTarget.RequireInProcess("needs the IM's endpoint pool");

        // Paced answers of 60 frames (about 3.5 s): the kill lands mid-answer.
        string[] slow = ["--Stub:PacingEnabled", "true", "--Stub:SyntheticFrames", "60"];
        await using var a = await StubNode.StartAsync(new StubNodeSettings { Name = "stub-a", Arguments = slow });
        await using var b = await StubNode.StartAsync(new StubNodeSettings { Name = "stub-b", Arguments = slow });
        await using var gateway = await StartGatewayAsync(a, b, null);
        var pool = gateway.Im.Services.GetRequiredService<AiEndpointPool>();

        // LeastSessions: the first device goes to one stub, the second to the other.
        await using var first = await DeviceClient.ConnectAsync(gateway);
        await first.HelloAsync();
        var firstOnA = StreamsOn(pool, a) == 1;
        await using var second = await DeviceClient.ConnectAsync(gateway);
        await second.HelloAsync();
        pool.Endpoints.Should().OnlyContain(e => e.ActiveStreams == 1, "one device on each stub");
        var (victim, bystander, killed) = firstOnA ? (first, second, a) : (second, first, b);

        await victim.SendJsonAsync(new { type = "chat", text = "a long answer" });
        await bystander.SendJsonAsync(new { type = "chat", text = "another long answer" });
        await victim.ReceiveUntilTypeAsync("tts", "start");
        await victim.ReceiveUntilAsync(f => f.IsBinary);
        await killed.KillAsync();

        var told = await victim.ReceiveUntilTypeAsync("tts", "stop");
        var texts = told.Where(f => f.IsText).ToList();
        var alert = texts.Should().ContainSingle(f => f.JsonType == "alert", "the device is told its answer was cut").Subject;
        alert.Get("message").Should().Be(DeviceAlertMessages.AnswerLost);
        alert.Get("status").Should().Be("error");
        alert.Get("emotion").Should().Be("sad");
        texts.IndexOf(alert).Should().Be(texts.Count - 2, "the alert comes right before the tts stop");

        var rest = await bystander.ReceiveUntilTypeAsync("tts", "stop");
        rest.Should().NotContain(f => f.JsonType == "alert", "the other stub's answer was not touched");
        rest.Count(f => f.IsBinary).Should().BeGreaterThan(10);

        // The victim's session resumed on the stub that serves: its next turn is answered.
        (await victim.ChatAsync("again")).SttText.Should().Be("again");
        victim.CloseStatus.Should().BeNull();
        bystander.CloseStatus.Should().BeNull();
    }

    [Test]
    public async Task New_devices_get_their_hello_within_2_s_while_one_of_two_stubs_is_down()
    {
        E2eTarget.RequireInProcess("needs the IM's endpoint pool");

        // The live stub recycles its connections like grpc-go's MaxConnectionAge (as in the soak, faster): its connection
        // is sometimes between two when a device arrives. The killed one does not, so its end is a crash, not a recycle.
        string[] recycling = ["--Stub:Faults:MaxConnectionAgeSeconds", "2", "--Stub:Faults:MaxConnectionAgeGraceSeconds", "1"];
        await using var a = await StubNode.StartAsync(new StubNodeSettings { Name = "stub-a", Arguments = recycling });
        await using var b = await StubNode.StartAsync(new StubNodeSettings { Name = "stub-b" });
        var log = new RecordingLoggerProvider();
        await using var gateway = await StartGatewayAsync(a, b, log, ["--Ai:Balancing:Policy", "PeakEwma", "--Logging:LogLevel:Xiaozhi.Im.Service.Upstream.AiConnection", "Information"]);
        var pool = gateway.Im.Services.GetRequiredService<AiEndpointPool>();

        // Both stubs connected and carrying sessions, as in a fleet.
        var devices = new List<DeviceClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
            }

            await Eventually.TrueAsync(() => pool.Endpoints.All(e => e.ActiveStreams > 0), "both stubs carry sessions", TimeSpan.FromSeconds(10));
            await b.KillAsync();
            await Eventually.TrueAsync(() => !pool.Endpoints[1].IsHealthy, "the reset connection marks stub-b down for new sessions", HelloBound);

            // As the soak does: down 2 s, then restarted (a cold process on a loaded machine).
            var restarted = Task.Run(async () =>
            {
                await Task.Delay(2000);
                await b.RestartAsync();
            });

            // New devices right after the kill, and for a while (the health check has not run yet).
            var times = new List<TimeSpan>();
            var afterRestart = 0;
            for (var i = 0; i < 40 || afterRestart < 40; i++)
            {
                afterRestart += restarted.IsCompleted ? 1 : 0;
                var watch = Stopwatch.StartNew();
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
                times.Add(watch.Elapsed);
                await Task.Delay(150);
            }

            await restarted;
            log.Entries.Should().Contain(e => e.EventId == 3013, "the operator sees why stub-b takes no new sessions");
            await Eventually.TrueAsync(() => pool.Endpoints[1].Health == AiEndpointHealth.Serving, "the health check sees the restarted stub-b serving", TimeSpan.FromSeconds(10));

            TestContext.Out.WriteLine($"hello after the kill (ms): {string.Join(", ", times.Select(t => (int)t.TotalMilliseconds))}");
            times.Should().OnlyContain(t => t < HelloBound, "stub-a serves: the dead stub must not hold a hello up");
            (await devices[^1].ChatAsync("still here")).SttText.Should().Be("still here");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static Task<Gateway> StartGatewayAsync(StubNode a, StubNode b, RecordingLoggerProvider? log, IReadOnlyList<string>? extra = null) =>
        Gateway.StartAsync(new GatewayOptions
        {
            ImLog = log,
            // The in-process stub the harness starts is not used: both endpoints are the stub processes.
            ImArgs =
            [
                "--Ai:Endpoints:0", a.Address,
                "--Ai:Endpoints:1", b.Address,
                "--Ai:Balancing:Policy", "LeastSessions",
                .. extra ?? [],
            ],
        });

    private static int StreamsOn(AiEndpointPool pool, StubNode stub) =>
        pool.Endpoints.Single(e => e.Address.Port == stub.Port).ActiveStreams;
}
