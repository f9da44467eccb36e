using System.Diagnostics;
using System.Globalization;
using Xiaozhi.Bench.Hosting;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// <c>Xiaozhi.Bench balance [devices]</c>: the balancing figures of issue 27. Two stubs (A, B; assistant mode, JIT) and,
/// per policy in turn (LeastSessions, then PeakEwma), one IM node in front of both with the same devices coming and
/// going (<see cref="BalanceLoad"/>). B gets the faults: six cases per policy, each printed with the devices' time to
/// first audio (chat → first binary frame) and each endpoint's share of the turns that reached first audio.
/// </summary>
public static class BalanceRun
{
    // TTS frames per turn: with the stub's pacing (3 at once, then one per 60 ms) a turn holds its slot ~0.4 s, so the
    // capacity case has turns to queue.
    private const int Frames = 10;

    // The IM's HealthCheck cadence in this run (default 15 s): a NOT_SERVING answer is seen within a case.
    private const string HealthCheckInterval = "00:00:02";

    private const string FirstAudioCount = "xiaozhi_im_turn_time_to_first_audio_milliseconds_count";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<int> RunAsync(BalanceSpec spec, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(output);
        using var a = await StartStubAsync("A").ConfigureAwait(false);
        using var b = await StartStubAsync("B").ConfigureAwait(false);
        var results = new List<BalanceCaseResult>();
        foreach (var policy in new[] { "LeastSessions", "PeakEwma" })
        {
            Phase($"{policy}: IM node in front of A and B, {spec.Devices} devices");
            await a.ClearFaultsAsync().ConfigureAwait(false);
            await b.ClearFaultsAsync().ConfigureAwait(false);
            using var node = await StartNodeAsync(policy, a, b).ConfigureAwait(false);
            var run = new PolicyRun(policy, spec, node, a, b);
            try
            {
                results.AddRange(await run.RunAsync().ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
            {
                output.WriteLine($"FAILED under {policy}: {ex.Message}\nIM output tail:\n{node.Process.Tail()}");
                return 1;
            }
        }

        Print(spec, results, output);
        return 0;
    }

    private static void Phase(string text) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] balance: {text}");

    private static void Print(BalanceSpec spec, List<BalanceCaseResult> results, TextWriter output)
    {
        output.WriteLine(FormattableString.Invariant($"balancing figures: {spec.Devices} devices coming and going (2-4 chat turns 0.3-0.8 s apart, away 1-3 s), two stubs A and B (assistant mode, {Frames} paced TTS frames a turn, JIT), one IM node per policy, {spec.CaseDuration.TotalSeconds:0} s a case (case 5 until B is ejected, at most {spec.CaseDuration.TotalSeconds * 3:0} s, and its sessions moved), Ai:HealthCheckInterval {HealthCheckInterval}, other Ai:Balancing and Ai:Moves settings at their defaults; all on loopback"));
        output.WriteLine("time to first audio = the device's chat → its first binary frame; share = each endpoint's turns that reached first audio (IM /metrics)");
        output.WriteLine($"  {"case",-34} {"policy",-13} {"turns",6} {"p50",7} {"p95",7} {"p99",7} ms  {"A",6} {"B",6}  other ends");
        foreach (var r in results.OrderBy(r => r.Case, StringComparer.Ordinal).ThenBy(r => r.Policy == "PeakEwma"))
        {
            var first = r.FirstAudio;
            string P(double p) => BalanceFigures.Percentile(first, p) is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";
            var alerts = r.Turns.Count(t => t.End == BalanceTurnEnd.Alert);
            var timedOut = r.Turns.Count(t => t.End == BalanceTurnEnd.TimedOut);
            var ends = $"alerts {alerts}, closes {r.Closes}, timeouts {timedOut}" + (r.ConnectFailures > 0 ? $", failed connects {r.ConnectFailures}" : "");
            output.WriteLine(FormattableString.Invariant($"  {r.Case,-34} {r.Policy,-13} {r.Turns.Count,6} {P(50),7} {P(95),7} {P(99),7}     {r.Shares.GetValueOrDefault("A"),5:0}% {r.Shares.GetValueOrDefault("B"),5:0}%  {ends}"));
            if (r.Note.Length > 0)
            {
                output.WriteLine($"  {"",-34} {"",-13} {r.Note}");
            }
        }
    }

    // A stub in assistant mode (turns with paced TTS audio), its build on dotnet (JIT), its fault API switched by the run.
    private static Task<StubNode> StartStubAsync(string name) => StubNode.StartAsync(new StubNodeSettings
    {
        Name = $"stub {name}",
        Program = StubNodeSettings.BuiltStub(RepositoryPaths.Configuration),
        Mode = "assistant",
        Arguments = ["--Stub:SyntheticFrames", Frames.ToString(CultureInfo.InvariantCulture)],
        OnLine = BenchChild.Timeline($"stub {name}"),
        KeepLines = 40,
    });

    // The load comes from one address: the kit's node lifts the admission limits, to measure the balancing.
    private static Task<ImNode> StartNodeAsync(string policy, StubNode a, StubNode b) => ImNode.StartAsync(new ImNodeSettings(BenchTopology.Secret)
    {
        Name = $"IM ({policy})",
        Program = Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Bench.dll"),
        ProgramArguments = ["serve-im"],
        AiEndpoints = [a.Address, b.Address],
        Arguments = ["--Ai:Balancing:Policy", policy, "--Ai:HealthCheckInterval", HealthCheckInterval],
        IsolatedContentRoot = false,
        ReadyLine = BenchChild.ReadyMarker,
        OnLine = BenchChild.Timeline($"IM ({policy})"),
        KeepLines = 40,
    });

    // The six cases under one policy (B carries the faults). The failing case runs last: an ejection outlasts a case.
    private sealed class PolicyRun(string policy, BalanceSpec spec, ImNode node, StubNode a, StubNode b)
    {
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
        private readonly TimeSpan _d = spec.CaseDuration;
        private readonly List<(string Case, IReadOnlyDictionary<string, double> Shares, string Note, string[] Parts)> _cases = [];

        public async Task<List<BalanceCaseResult>> RunAsync()
        {
            var load = BalanceLoad.Start(node.DeviceUrl, spec.Devices);
            try
            {
                load.Case = "warm-up";
                await Task.Delay(spec.Warmup).ConfigureAwait(false);

                await CaseAsync(load, "1 both healthy", () => Task.Delay(_d)).ConfigureAwait(false);

                await SettleAsync(load).ConfigureAwait(false);
                await b.FaultAsync("delay?ms=300").ConfigureAwait(false);
                await CaseAsync(load, "2 B +300 ms per response", () => Task.Delay(_d)).ConfigureAwait(false);
                await b.FaultAsync("delay?ms=0").ConfigureAwait(false);

                var capacityA = Math.Max(2, spec.Devices / 5);
                var capacityB = capacityA / 2;
                await SettleAsync(load).ConfigureAwait(false);
                await a.FaultAsync($"capacity?turns={capacityA}").ConfigureAwait(false);
                await b.FaultAsync($"capacity?turns={capacityB}").ConfigureAwait(false);
                await CaseAsync(load, $"3 capacity A {capacityA}, B {capacityB} turns", async () =>
                {
                    await Task.Delay(_d).ConfigureAwait(false);
                    return "load: " + Concurrency(load, $"3 capacity A {capacityA}, B {capacityB} turns") + " turns in progress on average (Little's law over the devices' turns)";
                }).ConfigureAwait(false);
                await a.FaultAsync("capacity?turns=0").ConfigureAwait(false);
                await b.FaultAsync("capacity?turns=0").ConfigureAwait(false);

                await RecoveryAsync(load).ConfigureAwait(false);
                await DrainingAsync(load).ConfigureAwait(false);
                await FailingAsync(load).ConfigureAwait(false);
            }
            finally
            {
                await load.DisposeAsync().ConfigureAwait(false);
            }

            return _cases.Select(c =>
            {
                var turns = c.Parts.SelectMany(load.TurnsOf).ToList();
                return new BalanceCaseResult(c.Case, policy, turns, c.Shares, c.Parts.Sum(load.ClosesIn), c.Parts.Sum(load.ConnectFailuresIn), c.Note);
            }).ToList();
        }

        private Task CaseAsync(BalanceLoad load, string name, Func<Task> body) =>
            CaseAsync(load, name, async () =>
            {
                await body().ConfigureAwait(false);
                return "";
            });

        private async Task CaseAsync(BalanceLoad load, string name, Func<Task<string>> body, params string[] moreParts)
        {
            Phase($"{policy}: case {name}");
            var before = await FirstAudioByStubAsync().ConfigureAwait(false);
            load.Case = name;
            var note = await body().ConfigureAwait(false);
            var after = await FirstAudioByStubAsync().ConfigureAwait(false);
            load.Case = "between";
            _cases.Add((name, BalanceFigures.Shares(before, after), note, [name, .. moreParts]));
        }

        // Between cases, no fault: a policy that learned B was slow shuns it for a while (its estimate decays), and the
        // next case must not start from that. Waits until B holds 40 % of the open sessions (at most 30 s).
        private async Task SettleAsync(BalanceLoad load)
        {
            load.Case = "between";
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30) && await StreamShareOfBAsync().ConfigureAwait(false) < 40)
            {
                await Task.Delay(Poll * 2.5).ConfigureAwait(false);
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(1))
            {
                Phase(FormattableString.Invariant($"{policy}: settled for {clock.Elapsed.TotalSeconds:0.0} s (B back to 40 % of the sessions)"));
            }
        }

        // 4: B slow for half a case (the balancer learns it), then fast again: how long until B holds its share of the
        // open sessions (40 % of two endpoints' streams) again.
        private async Task RecoveryAsync(BalanceLoad load)
        {
            await SettleAsync(load).ConfigureAwait(false);
            Phase($"{policy}: case 4, B slow for {_d.TotalSeconds / 2:0} s first");
            load.Case = "4 slow phase";
            await b.FaultAsync("delay?ms=300").ConfigureAwait(false);
            await Task.Delay(_d / 2).ConfigureAwait(false);
            var slowShare = await StreamShareOfBAsync().ConfigureAwait(false);
            await b.FaultAsync("delay?ms=0").ConfigureAwait(false);
            await CaseAsync(load, "4 B recovers (after 300 ms)", async () =>
            {
                var clock = Stopwatch.StartNew();
                TimeSpan? back = null;
                while (clock.Elapsed < _d)
                {
                    if (back is null && await StreamShareOfBAsync().ConfigureAwait(false) >= 40)
                    {
                        back = clock.Elapsed;
                    }

                    await Task.Delay(Poll * 2.5).ConfigureAwait(false);
                }

                return FormattableString.Invariant($"B's share of open sessions when the delay ended {slowShare:0} %; back to ≥ 40 % after ") +
                       (back is { } t ? FormattableString.Invariant($"{t.TotalSeconds:0.0} s") : FormattableString.Invariant($"not within {_d.TotalSeconds:0} s"));
            }).ConfigureAwait(false);
        }

        // 6: B says NOT_SERVING under load: when the IM saw it, when B's last session had moved, what devices saw.
        private async Task DrainingAsync(BalanceLoad load)
        {
            var name = "6 B turns NOT_SERVING";
            await SettleAsync(load).ConfigureAwait(false);
            var movesBefore = await ByLabelAsync("xiaozhi_im_moves_total", "reason").ConfigureAwait(false);
            var synthesizedBefore = await ByLabelAsync("xiaozhi_im_resume_events_total", "event").ConfigureAwait(false);
            await CaseAsync(load, name, async () =>
            {
                var onB = await StreamsAsync().ConfigureAwait(false);
                await b.FaultAsync("draining?on=true").ConfigureAwait(false);
                var clock = Stopwatch.StartNew();
                TimeSpan? seen = null;
                TimeSpan? emptied = null;
                var limit = _d + TimeSpan.FromSeconds(20);
                while (clock.Elapsed < limit && (emptied is null || clock.Elapsed < _d))
                {
                    var text = await ScrapeAsync().ConfigureAwait(false);
                    var serving = ByStub(BalanceFigures.ByLabel(text, "xiaozhi_im_endpoint_serving", "endpoint"));
                    seen ??= serving.GetValueOrDefault("B", 1) == 0 ? clock.Elapsed : null;
                    emptied ??= seen is not null && ByStub(BalanceFigures.ByLabel(text, "xiaozhi_im_upstream_streams", "endpoint")).GetValueOrDefault("B") == 0 ? clock.Elapsed : null;
                    await Task.Delay(Poll).ConfigureAwait(false);
                }

                var moves = BalanceFigures.ByLabel(await ScrapeAsync().ConfigureAwait(false), "xiaozhi_im_moves_total", "reason");
                var synthesized = await ByLabelAsync("xiaozhi_im_resume_events_total", "event").ConfigureAwait(false);
                return FormattableString.Invariant($"B had {onB.GetValueOrDefault("B"):0} sessions; NOT_SERVING seen after ") +
                       (seen is { } s ? FormattableString.Invariant($"{s.TotalSeconds:0.0} s") : "never") +
                       "; its last session moved after " + (emptied is { } e ? FormattableString.Invariant($"{e.TotalSeconds:0.0} s") : FormattableString.Invariant($"not within {limit.TotalSeconds:0} s")) +
                       FormattableString.Invariant($"; moves not_serving {moves.GetValueOrDefault("not_serving") - movesBefore.GetValueOrDefault("not_serving"):0}, tts stop synthesized {synthesized.GetValueOrDefault("tts_stop_synthesized") - synthesizedBefore.GetValueOrDefault("tts_stop_synthesized"):0}");
            }).ConfigureAwait(false);
            await b.FaultAsync("draining?on=false").ConfigureAwait(false);

            // Serving again before the next case (bounded).
            var wait = Stopwatch.StartNew();
            while (wait.Elapsed < TimeSpan.FromSeconds(15) && ByStub(await ByLabelAsync("xiaozhi_im_endpoint_serving", "endpoint").ConfigureAwait(false)).GetValueOrDefault("B") != 1)
            {
                await Task.Delay(Poll).ConfigureAwait(false);
            }

            load.Case = "between";
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        // 5: B answers every third turn with 999: time to ejection, turns that failed until then, and whether B's
        // sessions left. The case runs until B is ejected (at most three case lengths: under PeakEwma B gets few turns,
        // and the ejector judges its last 20), then until B's last session moved (at most 15 s more, the move window
        // and some), and at least a case length. Turns after an ejection are kept apart so the failures counted are
        // those before it.
        private async Task FailingAsync(BalanceLoad load)
        {
            var name = "5 B fails every 3rd turn";
            var afterEjection = name + " (after ejection)";
            var limit = _d * 3;
            var emptyingLimit = TimeSpan.FromSeconds(15);
            await SettleAsync(load).ConfigureAwait(false);
            var movesBefore = await ByLabelAsync("xiaozhi_im_moves_total", "reason").ConfigureAwait(false);
            await CaseAsync(load, name, async () =>
            {
                var onB = await StreamsAsync().ConfigureAwait(false);
                await b.FaultAsync("fail-turns?every=3").ConfigureAwait(false);
                var clock = Stopwatch.StartNew();
                TimeSpan? ejected = null;
                TimeSpan? emptied = null;
                double onBAtEjection = 0;
                while (ejected is null ? clock.Elapsed < limit : clock.Elapsed < _d || (emptied is null && clock.Elapsed - ejected < emptyingLimit))
                {
                    var text = await ScrapeAsync().ConfigureAwait(false);
                    var streamsOfB = ByStub(BalanceFigures.ByLabel(text, "xiaozhi_im_upstream_streams", "endpoint")).GetValueOrDefault("B");
                    if (ejected is null && ByStub(BalanceFigures.ByLabel(text, "xiaozhi_im_endpoint_ejected", "endpoint")).GetValueOrDefault("B") == 1)
                    {
                        ejected = clock.Elapsed;
                        onBAtEjection = streamsOfB;
                        load.Case = afterEjection;
                    }

                    emptied ??= ejected is not null && streamsOfB == 0 ? clock.Elapsed - ejected : null;
                    await Task.Delay(Poll).ConfigureAwait(false);
                }

                var failedBefore = load.TurnsOf(name).Count(t => t.End == BalanceTurnEnd.Alert);
                var onBAtEnd = (await StreamsAsync().ConfigureAwait(false)).GetValueOrDefault("B");
                var moves = await ByLabelAsync("xiaozhi_im_moves_total", "reason").ConfigureAwait(false);
                var movedEjected = moves.GetValueOrDefault("ejected") - movesBefore.GetValueOrDefault("ejected");
                await b.FaultAsync("fail-turns?every=0").ConfigureAwait(false);
                return (ejected is { } e
                           ? FormattableString.Invariant($"ejected after {e.TotalSeconds:0.0} s; {failedBefore} turns failed (alert) before it; B's sessions {onB.GetValueOrDefault("B"):0} at the start, {onBAtEjection:0} at ejection, ") +
                             (emptied is { } m ? FormattableString.Invariant($"the last gone {m.TotalSeconds:0.0} s after it") : FormattableString.Invariant($"{onBAtEnd:0} at the end ({(clock.Elapsed - e).TotalSeconds:0} s after it)"))
                           : FormattableString.Invariant($"not ejected in {clock.Elapsed.TotalSeconds:0} s; {failedBefore} turns failed (alert); B's sessions {onB.GetValueOrDefault("B"):0} at the start, {onBAtEnd:0} at the end")) +
                       FormattableString.Invariant($"; moves ejected {movedEjected:0}");
            }, afterEjection).ConfigureAwait(false);
        }

        private string Concurrency(BalanceLoad load, string name) =>
            (load.TurnsOf(name).Sum(t => t.EndMs) / _d.TotalMilliseconds).ToString("0.0", CultureInfo.InvariantCulture);

        private async Task<double> StreamShareOfBAsync()
        {
            var streams = await StreamsAsync().ConfigureAwait(false);
            var total = streams.GetValueOrDefault("A") + streams.GetValueOrDefault("B");
            return total > 0 ? streams.GetValueOrDefault("B") / total * 100 : 0;
        }

        private async Task<Dictionary<string, double>> StreamsAsync() =>
            ByStub(await ByLabelAsync("xiaozhi_im_upstream_streams", "endpoint").ConfigureAwait(false));

        private async Task<Dictionary<string, double>> FirstAudioByStubAsync() =>
            ByStub(await ByLabelAsync(FirstAudioCount, "endpoint").ConfigureAwait(false));

        private async Task<Dictionary<string, double>> ByLabelAsync(string metric, string label) =>
            BalanceFigures.ByLabel(await ScrapeAsync().ConfigureAwait(false), metric, label);

        private Task<string> ScrapeAsync() => Http.GetStringAsync(new Uri($"http://127.0.0.1:{node.ManagementPort}/metrics"));

        // Endpoint labels (the IM's address of each) to A and B.
        private Dictionary<string, double> ByStub(Dictionary<string, double> byEndpoint)
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (endpoint, value) in byEndpoint)
            {
                var stub = endpoint.Contains($":{a.Port}", StringComparison.Ordinal) ? "A" : endpoint.Contains($":{b.Port}", StringComparison.Ordinal) ? "B" : null;
                if (stub is not null)
                {
                    result[stub] = result.GetValueOrDefault(stub) + value;
                }
            }

            return result;
        }
    }
}
