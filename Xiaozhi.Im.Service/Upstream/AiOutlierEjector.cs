using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Ejects an endpoint that failed <see cref="AiBalancingOptions.EjectAfterFailures"/> times in a row: it takes no new
/// sessions for <see cref="AiBalancingOptions.EjectionTime"/> × n (the nth ejection since it last stayed back for
/// <see cref="AiBalancingOptions.MaxEjectionTime"/>), at most <see cref="AiBalancingOptions.MaxEjectionTime"/>, then
/// comes back on its own. Never more than <see cref="AiBalancingOptions.MaxEjectionPercent"/> of the endpoints are
/// ejected at once: past it a failing endpoint keeps taking sessions (ejecting everything would help no one).
/// </summary>
internal sealed partial class AiOutlierEjector : IDisposable
{
    private readonly AiBalancingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<AiEndpoint>> _endpoints;
    private readonly Lock _gate = new();
    private readonly Dictionary<AiEndpoint, Streak> _streaks = [];

    /// <summary>Creates the ejector over the endpoints <paramref name="endpoints"/> returns (read at each decision).</summary>
    public AiOutlierEjector(AiBalancingOptions options, TimeProvider time, ILogger logger, Func<IReadOnlyList<AiEndpoint>> endpoints)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _endpoints = endpoints;
    }

    /// <summary>Raised after an endpoint was ejected (on the failing caller's thread; handlers must not block).</summary>
    public event EventHandler<AiEndpointEjectedEventArgs>? EndpointEjected;

    /// <summary>Counts a failure of <paramref name="endpoint"/> and ejects it when they reach the threshold.</summary>
    public void Failed(AiEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var failures = endpoint.Balance.Failed();
        if (_options.EjectAfterFailures == 0 || failures < _options.EjectAfterFailures || endpoint.Balance.IsEjected)
        {
            return;
        }

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
                if (failures == _options.EjectAfterFailures && allowed > 0)
                {
                    LogEjectionCapped(_logger, endpoint.Address, failures, already, all.Count, _options.MaxEjectionPercent);
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
            ejected = new AiEndpointEjectedEventArgs(endpoint, duration, failures);
            LogEjected(_logger, endpoint.Address, failures, duration, count);
        }

        endpoint.OnEjected(ejected);
        endpoint.Leave(EndpointDepartureReason.Ejected);
        EndpointEjected?.Invoke(this, ejected);
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
        lock (_gate)
        {
            foreach (var streak in _streaks.Values)
            {
                streak.Timer?.Dispose();
            }

            _streaks.Clear();
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

    private readonly record struct Streak(int Count, long ReturnedAt, ITimer? Timer);
}
