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
            var timings = await RestartMeasurement.RunAsync(new RestartSteps
            {
                Stop = async () =>
                {
                    if (streamsCutFirst)
                    {
                        // A crash: every stream ends without a GOAWAY first (the resume path, not the migration path).
                        gateway.StubFaults.DropAllStreams();
                    }

                    await gateway.StopStubAsync();
                },
                Down = TimeSpan.FromMilliseconds(downMs),
                Start = () => gateway.StartStubAsync(),
                Resumed = () => (int)(Moved(gateway) - resumesBefore),
                AllResumed = () => Moved(gateway) - resumesBefore >= sessions,
                Sessions = sessions,
            });
            double Ms(long? timestamp) => timings.SinceListening(timestamp ?? timings.Listening + (long)(timings.Waited.TotalSeconds * Stopwatch.Frequency)).TotalMilliseconds;
            var listening = timings.SinceStop(timings.Listening);
            var all = timings.AllResumed ?? timings.Listening + (long)(timings.Waited.TotalSeconds * Stopwatch.Frequency);
            var replies = await Task.WhenAll(devices.Select(d => d.ChatAsync("after restart")));

            TestContext.Out.WriteLine(
                $"sessions={sessions} down={downMs}ms crash={streamsCutFirst}: stub stopped in {timings.SinceStop(timings.Stopped).TotalMilliseconds:F0} ms, listening again at {listening.TotalMilliseconds:F0} ms (start took {Stopwatch.GetElapsedTime(timings.StartBegan, timings.Listening).TotalMilliseconds:F0} ms); " +
                $"resumed 50% at +{Ms(timings.HalfResumed):F0} ms, 99% at +{Ms(timings.P99Resumed):F0} ms, 100% at +{Ms(timings.AllResumed):F0} ms after listening " +
                $"({timings.SinceStop(all).TotalMilliseconds:F0} ms after the kill); resumed+migrated={Moved(gateway) - resumesBefore} (resumes={gateway.Counters.Resumes}, migrations={gateway.Counters.Migrations}) failures={gateway.Counters.ResumeFailures} dropped={gateway.Counters.TotalDropped}");
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
