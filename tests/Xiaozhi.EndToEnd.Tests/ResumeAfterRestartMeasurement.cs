using System.Diagnostics;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Not part of the suite (<see cref="ExplicitAttribute"/>): the time from a backend restart to every session resumed,
/// in process (stub, IM and devices share the machine). Run with
/// <c>dotnet test tests/Xiaozhi.EndToEnd.Tests -c Release --filter "FullyQualifiedName~ResumeAfterRestartMeasurement" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Explicit("a measurement, not a test")]
public sealed class ResumeAfterRestartMeasurement
{
    /// <summary>Sessions that got a new stream: resumed after their stream ended, or moved on the stopping stub's GOAWAY.</summary>
    private static long Moved(Gateway gateway) => gateway.Counters.Resumes + gateway.Counters.Migrations;

    [TestCase(100, 0, false)]
    [TestCase(100, 1000, false)]
    [TestCase(100, 1000, true)]
    [TestCase(1000, 0, false)]
    [TestCase(1000, 1000, false)]
    [TestCase(1000, 1000, true)]
    public async Task Restart_to_all_sessions_resumed(int sessions, int downMs, bool streamsCutFirst)
    {
        E2eTarget.RequireInProcess("restarts the stub");
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs =
            [
                "--Admission:PerIpConnectionsPerSecond", "100000", "--Admission:PerIpConnectionBurst", "100000",
                "--Admission:PerIpConcurrentConnections", "100000",
                "--Admission:MessagesPerSecond", "100000", "--Admission:MessageBurst", "100000",
                "--Logging:LogLevel:Default", "Error",
            ],
            StubArgs = ["--Stub:MaxRecordedSessions", "100000", "--Logging:LogLevel:Default", "Error"],
        });
        var devices = new List<DeviceClient>(sessions);
        try
        {
            foreach (var batch in Enumerable.Range(0, sessions).Chunk(50))
            {
                var connected = await Task.WhenAll(batch.Select(async _ =>
                {
                    var device = await DeviceClient.ConnectAsync(gateway);
                    await device.HelloAsync();
                    return device;
                }));
                devices.AddRange(connected);
            }

            var resumesBefore = Moved(gateway);
            var clock = Stopwatch.StartNew();
            if (streamsCutFirst)
            {
                // A crash: every stream ends without a GOAWAY first (the resume path, not the migration path).
                gateway.StubFaults.DropAllStreams();
            }

            await gateway.StopStubAsync();
            var stopped = clock.Elapsed;
            await Task.Delay(downMs);
            var startAt = clock.Elapsed;
            await gateway.StartStubAsync();
            var listening = clock.Elapsed;
            var half = TimeSpan.Zero;
            var p99 = TimeSpan.Zero;
            while (Moved(gateway) - resumesBefore < sessions && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var resumed = Moved(gateway) - resumesBefore;
                if (half == TimeSpan.Zero && resumed >= sessions / 2)
                {
                    half = clock.Elapsed;
                }

                if (p99 == TimeSpan.Zero && resumed >= sessions * 99 / 100)
                {
                    p99 = clock.Elapsed;
                }

                await Task.Delay(5);
            }

            var all = clock.Elapsed;
            half = half == TimeSpan.Zero ? all : half;
            p99 = p99 == TimeSpan.Zero ? all : p99;
            var replies = await Task.WhenAll(devices.Select(d => d.ChatAsync("after restart")));

            TestContext.Out.WriteLine(
                $"sessions={sessions} down={downMs}ms crash={streamsCutFirst}: stub stopped in {stopped.TotalMilliseconds:F0} ms, listening again at {listening.TotalMilliseconds:F0} ms (start took {(listening - startAt).TotalMilliseconds:F0} ms); " +
                $"resumed 50% at +{(half - listening).TotalMilliseconds:F0} ms, 99% at +{(p99 - listening).TotalMilliseconds:F0} ms, 100% at +{(all - listening).TotalMilliseconds:F0} ms after listening " +
                $"({all.TotalMilliseconds:F0} ms after the kill); resumed+migrated={Moved(gateway) - resumesBefore} (resumes={gateway.Counters.Resumes}, migrations={gateway.Counters.Migrations}) failures={gateway.Counters.ResumeFailures} dropped={gateway.Counters.TotalDropped}");
            replies.Should().OnlyContain(r => r.SttText == "after restart");
            gateway.Counters.ResumeFailures.Should().Be(0);
        }
        finally
        {
            foreach (var batch in devices.Chunk(100))
            {
                await Task.WhenAll(batch.Select(d => d.DisposeAsync().AsTask()));
            }
        }
    }
}
