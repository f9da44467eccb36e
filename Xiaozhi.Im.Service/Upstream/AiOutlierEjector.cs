using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Ejects an outlier endpoint: one that failed <see cref="AiBalancingOptions.EjectAfterFailures"/> times in a row, one
/// whose failures in <see cref="AiBalancingOptions.OutlierWindow"/> (or its last <see cref="AiBalancingOptions.MinTurnsToJudge"/>
/// outcomes when the window holds fewer) reach <see cref="AiBalancingOptions.EjectFailurePercent"/> of its outcomes (judged
/// at each failure and each sweep),
/// or one whose mean time to first answer in the window is over <see cref="AiBalancingOptions.EjectLatencyFactor"/> times
/// its peers' median (judged at each sweep). An ejected endpoint takes no new sessions for
/// <see cref="AiBalancingOptions.EjectionTime"/> × n (the nth ejection since it last stayed back for
/// <see cref="AiBalancingOptions.MaxEjectionTime"/>), at most <see cref="AiBalancingOptions.MaxEjectionTime"/>, then
/// comes back on its own. Never more than <see cref="AiBalancingOptions.MaxEjectionPercent"/> of the endpoints are
/// ejected at once: past it a failing endpoint keeps taking sessions (ejecting everything would help no one).
/// </summary>
internal sealed partial class AiOutlierEjector : IDisposable
{
    private const string FailureRate = "failure rate";
    private const string Latency = "latency";

    private readonly AiBalancingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<AiEndpoint>> _endpoints;
    private readonly Lock _gate = new();
    private readonly Dictionary<AiEndpoint, Streak> _streaks = [];
    private readonly HashSet<(AiEndpoint Endpoint, string Reason)> _cappedLogged = [];
    private readonly ITimer? _sweep;

    /// <summary>Creates the ejector over the endpoints <paramref name="endpoints"/> returns (read at each decision).</summary>
    public AiOutlierEjector(AiBalancingOptions options, TimeProvider time, ILogger logger, Func<IReadOnlyList<AiEndpoint>> endpoints)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _endpoints = endpoints;
        if (options.EjectFailurePercent > 0 || options.EjectLatencyFactor > 0)
        {
            // A slow endpoint never fails, so nothing would call Failed: look at every endpoint a few times per window.
            _sweep = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
        }
    }

    /// <summary>Raised after an endpoint was ejected (on the failing caller's thread; handlers must not block).</summary>
    public event EventHandler<AiEndpointEjectedEventArgs>? EndpointEjected;

    /// <summary>How often every endpoint is judged by the failure-rate and latency rules: a tenth of the window, at least 1 s.</summary>
    public TimeSpan SweepInterval => _options.OutlierWindow / 10 > TimeSpan.FromSeconds(1) ? _options.OutlierWindow / 10 : TimeSpan.FromSeconds(1);

    /// <summary>
    /// Counts a failure of <paramref name="endpoint"/> (in a row too unless <paramref name="inARow"/> is false) and ejects
    /// it when it is an outlier now.
    /// </summary>
    public void Failed(AiEndpoint endpoint, bool inARow = true)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var failures = endpoint.Balance.Failed(inARow);
        if (endpoint.Balance.IsEjected)
        {
            return;
        }

        if (inARow && _options.EjectAfterFailures != 0 && failures >= _options.EjectAfterFailures)
        {
            TryEject(endpoint, failures, null, (count, already) =>
            {
                if (failures == _options.EjectAfterFailures)
                {
                    LogEjectionCapped(_logger, endpoint.Address, failures, already, count, _options.MaxEjectionPercent);
                }
            });
            return;
        }

        JudgeFailureRate(endpoint);
    }

    /// <summary>Judges every endpoint by the failure-rate and latency rules (the sweep timer; tests call it directly).</summary>
    public void Sweep()
    {
        var all = _endpoints();
        foreach (var endpoint in all)
        {
            if (!endpoint.Balance.IsEjected)
            {
                JudgeFailureRate(endpoint);
            }
        }

        if (_options.EjectLatencyFactor <= 0)
        {
            return;
        }

        // The window's mean, not the peak-EWMA the policy uses: one slow answer sets the peak at once, which is right
        // for choosing but too jumpy for ejecting.
        var outcomes = all.Select(e => e.Balance.Outcomes(_options.OutlierWindow)).ToArray();
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i].Balance.IsEjected || outcomes[i].Answered < _options.MinTurnsToJudge)
            {
                continue;
            }

            var peers = outcomes.Where((o, j) => j != i && o.Answered > 0).Select(o => o.MeanLatencyMs).Order().ToArray();
            if (peers.Length < 2)
            {
                continue;
            }

            var median = peers.Length % 2 == 1 ? peers[peers.Length / 2] : (peers[(peers.Length / 2) - 1] + peers[peers.Length / 2]) / 2;
            var endpoint = all[i];
            var mean = outcomes[i].MeanLatencyMs;
            if (mean <= _options.EjectLatencyFactor * median)
            {
                ForgetCapped(endpoint, Latency);
                continue;
            }

            var answered = outcomes[i].Answered;
            TryEject(
                endpoint,
                0,
                (duration, count) => LogEjectedForLatency(_logger, endpoint.Address, Math.Round(mean), answered, Math.Round(median), _options.EjectLatencyFactor, duration, count),
                (count, already) => LogOutlierCapped(endpoint, Latency, count, already));
        }
    }

    private void JudgeFailureRate(AiEndpoint endpoint)
    {
        if (_options.EjectFailurePercent == 0)
        {
            return;
        }

        // Reaching back past the window to MinTurnsToJudge outcomes: an endpoint the policy already avoids (the failure
        // penalty) gets too few turns in any short window, yet its users still meet its failures.
        var (answered, failed, span) = endpoint.Balance.RecentOutcomes(_options.OutlierWindow, _options.MinTurnsToJudge);
        var total = answered + failed;
        if (total < _options.MinTurnsToJudge || failed * 100L < (long)_options.EjectFailurePercent * total)
        {
            ForgetCapped(endpoint, FailureRate);
            return;
        }

        TryEject(
            endpoint,
            failed,
            (duration, count) => LogEjectedForFailureRate(_logger, endpoint.Address, failed, total, span, _options.EjectFailurePercent, duration, count),
            (count, already) => LogOutlierCapped(endpoint, FailureRate, count, already));
    }

    /// <summary>
    /// Ejects <paramref name="endpoint"/> unless it already is or the cap is reached (then <paramref name="capped"/> with
    /// the endpoint count and those already ejected). <paramref name="logEjected"/> (duration, ejections in a row) null:
    /// the failures-in-a-row line.
    /// </summary>
    private void TryEject(AiEndpoint endpoint, int failures, Action<TimeSpan, int>? logEjected, Action<int, int> capped)
    {
        AiEndpointEjectedEventArgs ejected;
        lock (_gate)
        {
            if (endpoint.Balance.IsEjected)
            {
                return;
            }

            var all = _endpoints();
            var allowed = all.Count * _options.MaxEjectionPercent / 100;
            var already = all.Count(e => e.Balance.IsEjected);
            if (already >= allowed)
            {
                // One endpoint alone (or a 0 % cap) is never ejected: nothing to warn about then.
                if (allowed > 0)
                {
                    capped(all.Count, already);
                }

                return;
            }

            var streak = _streaks.GetValueOrDefault(endpoint);
            var count = streak.ReturnedAt != 0 && _time.GetElapsedTime(streak.ReturnedAt) > _options.MaxEjectionTime ? 1 : streak.Count + 1;
            var duration = _options.EjectionTime * count;
            if (duration > _options.MaxEjectionTime)
            {
                duration = _options.MaxEjectionTime;
            }

            endpoint.Balance.SetEjected(true);
            var timer = _time.CreateTimer(_ => Return(endpoint), null, duration, Timeout.InfiniteTimeSpan);
            _streaks[endpoint] = new Streak(count, 0, timer);
            _cappedLogged.RemoveWhere(c => ReferenceEquals(c.Endpoint, endpoint));
            ejected = new AiEndpointEjectedEventArgs(endpoint, duration, failures);
            if (logEjected is null)
            {
                LogEjected(_logger, endpoint.Address, failures, duration, count);
            }
            else
            {
                logEjected(duration, count);
            }
        }

        endpoint.OnEjected(ejected);
        endpoint.Leave(EndpointDepartureReason.Ejected);
        EndpointEjected?.Invoke(this, ejected);
    }

    // Under _gate (TryEject's cap): one line per endpoint and rule until it is judged fine or ejected.
    private void LogOutlierCapped(AiEndpoint endpoint, string reason, int count, int already)
    {
        if (_cappedLogged.Add((endpoint, reason)))
        {
            LogEjectionCappedByRule(_logger, endpoint.Address, reason, already, count, _options.MaxEjectionPercent);
        }
    }

    private void ForgetCapped(AiEndpoint endpoint, string reason)
    {
        lock (_gate)
        {
            _cappedLogged.Remove((endpoint, reason));
        }
    }

    /// <summary>A success (or a SERVING health check) of <paramref name="endpoint"/>: its failures in a row start again.</summary>
    public static void Succeeded(AiEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Balance.Succeeded();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sweep?.Dispose();
        lock (_gate)
        {
            foreach (var streak in _streaks.Values)
            {
                streak.Timer?.Dispose();
            }

            _streaks.Clear();
            _cappedLogged.Clear();
        }
    }

    /// <summary>Ends <paramref name="endpoint"/>'s ejection now (its time is up, or it passed a health check after failing one).</summary>
    public void Return(AiEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        lock (_gate)
        {
            if (!endpoint.Balance.SetEjected(false))
            {
                return;
            }

            var streak = _streaks.GetValueOrDefault(endpoint);
            streak.Timer?.Dispose();
            _streaks[endpoint] = streak with { ReturnedAt = _time.GetTimestamp(), Timer = null };
        }

        endpoint.Stay(EndpointDepartureReason.Ejected);
        LogReturned(_logger, endpoint.Address);
    }

    [LoggerMessage(EventId = 3040, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} ejected after {Failures} failures in a row: no new sessions for {Duration} (ejection {Count} in a row)")]
    private static partial void LogEjected(ILogger logger, Uri endpoint, int failures, TimeSpan duration, int count);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint} is back from ejection: it takes new sessions again")]
    private static partial void LogReturned(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} failed {Failures} times in a row but is not ejected: {Ejected} of {Count} endpoints already are (Ai:Balancing:MaxEjectionPercent {Percent})")]
    private static partial void LogEjectionCapped(ILogger logger, Uri endpoint, int failures, int ejected, int count, int percent);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} ejected for its failure rate: {Failures} of its {Outcomes} outcomes in the last {Window} failed (Ai:Balancing:EjectFailurePercent {Percent}): no new sessions for {Duration} (ejection {Count} in a row)")]
    private static partial void LogEjectedForFailureRate(ILogger logger, Uri endpoint, int failures, int outcomes, TimeSpan window, int percent, TimeSpan duration, int count);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} ejected for its latency: mean time to first answer {LatencyMs} ms over {Turns} turns, its peers' median {PeersMs} ms (Ai:Balancing:EjectLatencyFactor {Factor}): no new sessions for {Duration} (ejection {Count} in a row)")]
    private static partial void LogEjectedForLatency(ILogger logger, Uri endpoint, double latencyMs, int turns, double peersMs, double factor, TimeSpan duration, int count);

    [LoggerMessage(EventId = 3045, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} is an outlier by its {Reason} but is not ejected: {Ejected} of {Count} endpoints already are (Ai:Balancing:MaxEjectionPercent {Percent})")]
    private static partial void LogEjectionCappedByRule(ILogger logger, Uri endpoint, string reason, int ejected, int count, int percent);

    private readonly record struct Streak(int Count, long ReturnedAt, ITimer? Timer);
}
