using System.Diagnostics;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Running;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// Time from a backend restart to every session resumed: N sessions through the IM, each proven with one echo; the
/// stub process is killed and started again on the same port; then every open session not yet resumed sends a probe
/// every 100 ms until each has an echo of a frame sent after the kill (bounded wait), counting disconnects.
/// </summary>
public static class RestartRun
{
    /// <summary>Runs it.</summary>
    public static async Task<RestartFigures> RunAsync(BenchTopology topology, int sessions, int payload, double ramp, TimeSpan limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var coldStubFirstAnswer = await ColdStubProbe.MeasureAsync(topology, cancellationToken).ConfigureAwait(false);
        var settings = new DeviceSettings
        {
            Url = topology.ImUrl,
            Secret = BenchTopology.Secret,
            FrameBytes = payload,
            DeviceIdPrefix = 200,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        await using var fleet = new DeviceFleet(settings);
        await fleet.ConnectAsync(sessions, ramp, cancellationToken).ConfigureAwait(false);
        await ProbeRoundAsync(fleet.Devices.Where(d => d.IsOpen), cancellationToken).ConfigureAwait(false);
        await fleet.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var live = fleet.Devices.Where(d => d.IsOpen && d.LastEchoSentTicks != 0).ToList();

        long killed = 0;
        var downToListening = await topology.RestartStubAsync(() => killed = Stopwatch.GetTimestamp()).ConfigureAwait(false);
        var listening = Stopwatch.GetTimestamp();
        var resumedAt = new Dictionary<int, long>();
        var deadline = listening + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var nextRound = listening;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            foreach (var device in live)
            {
                if (!resumedAt.ContainsKey(device.Index) && device.LastEchoSentTicks > killed)
                {
                    resumedAt[device.Index] = device.LastEchoReceivedTicks;
                }
            }

            var waiting = live.Where(d => d.IsOpen && !resumedAt.ContainsKey(d.Index)).ToList();
            if (waiting.Count == 0)
            {
                break;
            }

            if (Stopwatch.GetTimestamp() >= nextRound)
            {
                _ = ProbeRoundAsync(waiting, cancellationToken);
                nextRound = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        var waited = Stopwatch.GetElapsedTime(listening);
        var disconnected = live.Count(d => !d.IsOpen);
        var allResumed = resumedAt.Count == live.Count && live.Count > 0;
        var last = allResumed ? resumedAt.Values.Max() : 0;
        var sorted = resumedAt.Values.Select(t => Stopwatch.GetElapsedTime(listening, t)).Order().ToArray();
        return new RestartFigures(
            sessions,
            live.Count,
            downToListening,
            resumedAt.Count,
            disconnected,
            allResumed ? Stopwatch.GetElapsedTime(listening, last) : null,
            allResumed ? Stopwatch.GetElapsedTime(killed, last) : null,
            waited,
            fleet.Collect().Errors)
        {
            ColdStubFirstAnswer = coldStubFirstAnswer,
            ListeningToResumedPercentiles = sorted.Length == 0 ? null : (sorted[0], sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, sorted.Length * 9 / 10)]),
        };
    }

    private static Task ProbeRoundAsync(IEnumerable<SimulatedDevice> devices, CancellationToken cancellationToken) =>
        Task.WhenAll(devices.Select(d => d.SendProbeAsync(cancellationToken)));
}
