using System.Diagnostics;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Running;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// Time from a backend restart to every session resumed (the kit's <see cref="RestartMeasurement"/>): N sessions through the IM, each proven with one echo; the
/// stub process is killed and started again on the same port; then every open session not yet resumed sends a probe
/// at once and again at every probe interval until each has an echo of a frame sent after the kill (bounded wait),
/// counting disconnects. Repeated for several rounds with the same sessions. A probe sent into the outage is kept by the
/// IM and replayed on the new stream, so one probe per session proves the resume; a short interval would add the
/// replay of many kept frames per session to what the figure measures.
/// </summary>
public static class RestartRun
{
    /// <summary>
    /// Runs it: <paramref name="rounds"/> restarts of the stub with the same sessions. The first restart is the first
    /// time the IM process runs its resume path (its code is compiled then); later rounds are a long-running gateway
    /// meeting another backend restart (a rolling deploy).
    /// </summary>
    public static async Task<IReadOnlyList<RestartFigures>> RunAsync(BenchTopology topology, int sessions, int rounds, TimeSpan probeEvery, int payload, double ramp, TimeSpan limit, CancellationToken cancellationToken)
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
        var figures = new List<RestartFigures>();
        for (var round = 1; round <= rounds; round++)
        {
            var figure = await RestartOnceAsync(topology, fleet, sessions, round, probeEvery, limit, cancellationToken).ConfigureAwait(false);
            figures.Add(figure with { ColdStubFirstAnswer = coldStubFirstAnswer });
            if (figure.ListeningToAllResumed is null)
            {
                break; // a failed round leaves sessions behind: a further round would measure the leftovers
            }
        }

        return figures;
    }

    private static async Task<RestartFigures> RestartOnceAsync(BenchTopology topology, DeviceFleet fleet, int sessions, int round, TimeSpan probeEvery, TimeSpan limit, CancellationToken cancellationToken)
    {
        await ProbeRoundAsync(fleet.Devices.Where(d => d.IsOpen), cancellationToken).ConfigureAwait(false);
        await fleet.DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var live = fleet.Devices.Where(d => d.IsOpen && d.LastEchoSentTicks != 0).ToList();
        var errorsBefore = fleet.Collect().Errors;

        await topology.Im.ResetStatsAsync().ConfigureAwait(false);
        var imCpuBefore = ProcStats.CpuSeconds(topology.Im.Pid);
        var resumedAt = new Dictionary<int, long>();
        long killed = 0;
        var timings = await RestartMeasurement.RunAsync(new RestartSteps
        {
            Stop = async () =>
            {
                BenchTimeline.Mark($"round {round}: killing the stub; {live.Count} sessions echoing");
                await topology.KillStubAsync().ConfigureAwait(false);
                killed = Stopwatch.GetTimestamp();
            },
            Start = async () =>
            {
                await topology.StartStubAgainAsync().ConfigureAwait(false);
                BenchTimeline.Mark($"round {round}: the new stub listens");
            },
            Resumed = () =>
            {
                foreach (var device in live)
                {
                    if (!resumedAt.ContainsKey(device.Index) && device.LastEchoSentTicks > killed)
                    {
                        resumedAt[device.Index] = device.LastEchoReceivedTicks;
                    }
                }

                return resumedAt.Count;
            },
            AllResumed = () =>
            {
                var all = !live.Any(d => d.IsOpen && !resumedAt.ContainsKey(d.Index));
                if (all)
                {
                    BenchTimeline.Mark($"round {round}: every session resumed");
                }

                return all;
            },
            Sessions = live.Count,
            Probe = () =>
            {
                var waiting = live.Where(d => d.IsOpen && !resumedAt.ContainsKey(d.Index)).ToList();
                BenchTimeline.Mark($"round {round}: probe round, {waiting.Count} sessions not resumed yet");
                return ProbeRoundAsync(waiting, cancellationToken);
            },
            ProbeEvery = probeEvery,
            Limit = limit,
        }, cancellationToken).ConfigureAwait(false);
        var listening = timings.Listening;
        var downToListening = Stopwatch.GetElapsedTime(timings.StopBegan, listening);
        var waited = timings.Waited;
        var imCpu = ProcStats.CpuSeconds(topology.Im.Pid) - imCpuBefore;
        var imStats = await topology.Im.ReadStatsAsync().ConfigureAwait(false);
        var disconnected = live.Count(d => !d.IsOpen);
        var allResumed = resumedAt.Count == live.Count && live.Count > 0;
        var last = allResumed ? resumedAt.Values.Max() : 0;
        var sorted = resumedAt.Values.Select(t => Stopwatch.GetElapsedTime(listening, t)).Order().ToArray();
        var errors = fleet.Collect().Errors
            .Select(e => (e.Key, Count: e.Value - errorsBefore.GetValueOrDefault(e.Key)))
            .Where(e => e.Count > 0)
            .ToDictionary(e => e.Key, e => e.Count);
        return new RestartFigures(
            sessions,
            live.Count,
            downToListening,
            resumedAt.Count,
            disconnected,
            allResumed ? Stopwatch.GetElapsedTime(listening, last) : null,
            allResumed ? Stopwatch.GetElapsedTime(killed, last) : null,
            waited,
            errors)
        {
            Round = round,
            ProbeEvery = probeEvery,
            ImCpuSeconds = imCpu,
            ImStats = imStats,
            ListeningToResumedPercentiles = sorted.Length == 0 ? null : (sorted[0], sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, sorted.Length * 9 / 10)]),
        };
    }

    private static Task ProbeRoundAsync(IEnumerable<SimulatedDevice> devices, CancellationToken cancellationToken) =>
        Task.WhenAll(devices.Select(d => d.SendProbeAsync(cancellationToken)));
}
